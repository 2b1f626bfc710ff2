#!/usr/bin/env python3
"""`make compat`: check that the version ranges in pyproject.toml are true.

pyproject.toml declares ranges (torch>=…, torchvision>=…, requires-python>=…) so that the package
installs next to whatever torch Colab already has.  A range is only honest if both of its ends
work, so this script installs the package the way a user gets it and runs the unit tests:

* the wheel is built once from a clean copy of the sources (no editable install, no stale
  build/ folder), so what is tested is what `pip install` would put in site-packages;
* for each torch/torchvision pair a FRESH virtual environment is made (outside the repository,
  default /tmp/cnncourse-compat/<pair>), and the pinned pair, the wheel and the test tools are
  installed in one pip call, so pip picks the numpy (and the rest) a user would get;
* tests/ is copied into an empty folder and pytest runs there, so `import cnncourse` can only
  resolve to the installed copy (checked and printed); the tests that need the checkout
  itself (the book, the built HTML, the browser) carry the `repo` marker and are deselected.

Pairs (``--pairs``; the default is ``floor newest``):

  floor     the floors read from pyproject.toml (torch, torchvision) on the oldest Python that
            requires-python admits: the oldest combination the package promises to work on;
  newest    no pins at all: the newest torch and torchvision on the package index, on the newest
            Python found here;
  torch2.1  torch 2.1.2 + torchvision 0.16.2, the floor this package used to declare.  Not a
            default: it FAILS (pip pairs it with numpy 2, and torch ≤ 2.2 wheels were built
            against the NumPy 1 ABI: torch.from_numpy raises "Numpy is not available").
  torch2.3  torch 2.3.1 + torchvision 0.18.1, the first pair that works with numpy 2.  Not a
            default: it FAILS one test, because torchvision < 0.21 only prints why a download
            failed and raises a bare "Error downloading <file>", so fashion_mnist(download=True)
            cannot tell the user why.
  The last two lie below the declared floor: the wheel's metadata refuses them, so there the
  wheel is installed with --no-deps, its other requirements next to the pair.  Kept so that the
  reasons for the floor can be reproduced in one command.

The machine-wide pip constraints file may cap torch (/etc/xdg/pip here caps it at what lies on
this disk); inside these throw-away venvs the cap is lifted (PIP_CONSTRAINT points at an empty
file) because "newest" must mean the newest on the index.  PyPI's Linux torch wheels are the CUDA
builds: expect a few GB of downloads per venv.  Not part of `make test` or CI for that reason.

Examples:
  python scripts/compat.py                       # floor and newest
  python scripts/compat.py --pairs floor --python 3.10
  python scripts/compat.py --torch 2.4.1 --torchvision 0.19.1 --python 3.11
  python scripts/compat.py --pairs torch2.1      # reproduce why the floor is not 2.1
"""
from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# What the unit tests import besides cnncourse's own dependencies (which come from the wheel's
# metadata).  selenium: test_browser.py imports it at collection time, before -m deselects it.
TEST_DEPS = ["pytest", "hypothesis", "selenium", "pyyaml"]
PYTHONS = ["3.9", "3.10", "3.11", "3.12", "3.13", "3.14"]


@dataclass
class Pair:
    name: str
    torch: str | None          # None: unpinned, pip takes the newest on the index
    torchvision: str | None
    python: str                # "3.9", or "newest": the newest interpreter found here
    numpy: str | None = None   # None: whatever pip resolves next to the pair
    note: str = ""


@dataclass
class Result:
    pair: Pair
    python: str = "-"
    versions: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    install_s: float = 0.0
    test_s: float = 0.0
    ok: bool = False
    error: str = ""


def declared_floors() -> dict:
    """torch / torchvision / numpy floors and the Python floor, as pyproject.toml declares them."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    floors = {name: m.group(1) for name in ("torch", "torchvision", "numpy")
              if (m := re.search(rf'"{name}>=([0-9.]+)', text))}
    m = re.search(r'requires-python\s*=\s*">=([0-9.]+)"', text)
    floors["python"] = m.group(1) if m else PYTHONS[0]
    missing = {"torch", "torchvision"} - floors.keys()
    if missing:
        sys.exit(f"pyproject.toml declares no floor for {', '.join(sorted(missing))}")
    return floors


def pairs() -> dict[str, Pair]:
    f = declared_floors()
    return {
        "floor": Pair("floor", f["torch"], f["torchvision"], f["python"]),
        "newest": Pair("newest", None, None, "newest"),
        "torch2.1": Pair("torch2.1", "2.1.2", "0.16.2", f["python"], note="old floor, expected to fail"),
        "torch2.3": Pair("torch2.3", "2.3.1", "0.18.1", f["python"], note="expected to fail"),
    }


def find_python(version: str) -> Path | None:
    """An interpreter for ``version`` ("3.9"): pythonX.Y on PATH, else a pyenv install."""
    if version == "newest":
        for v in reversed(PYTHONS):
            if (p := find_python(v)) is not None:
                return p
        return None
    found = shutil.which(f"python{version}")
    if found and "/shims/" not in found:  # a pyenv shim may point at an interpreter that is absent
        return Path(found)
    root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates = [Path(p) for p in glob.glob(f"{root}/versions/{version}.*/bin/python")
                  if re.fullmatch(rf"{re.escape(version)}\.\d+", Path(p).parents[1].name)]
    candidates.sort(key=lambda p: int(p.parents[1].name.rsplit(".", 1)[1]))
    return candidates[-1] if candidates else None


def run(cmd, log: Path, **kw) -> subprocess.CompletedProcess:
    """Run ``cmd``, appending its output to ``log``."""
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(f"\n$ {' '.join(map(str, cmd))}\n")
        fh.flush()
        return subprocess.run([str(c) for c in cmd], stdout=fh, stderr=subprocess.STDOUT, **kw)


def tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log, without pip's noise about this machine's unused local indexes."""
    text = [t for t in path.read_text(encoding="utf-8", errors="replace").splitlines()
            if "is ignored: it is neither a file nor a directory" not in t]
    return "\n".join(text[-lines:])


def build_wheel(root: Path) -> Path:
    """The wheel, built once from a clean copy of what the package ships (no build/ left in the repo)."""
    src = root / "src"
    dist = root / "dist"
    shutil.rmtree(src, ignore_errors=True)
    shutil.rmtree(dist, ignore_errors=True)
    src.mkdir(parents=True)
    shutil.copytree(REPO / "cnncourse", src / "cnncourse",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, src / name)
    log = root / "wheel.log"
    log.write_text("", encoding="utf-8")
    proc = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", dist, src], log)
    wheels = sorted(dist.glob("cnncourse-*.whl"))
    if proc.returncode != 0 or not wheels:
        sys.exit(f"building the wheel failed; see {log}:\n{tail(log)}")
    return wheels[0]


def version(text: str) -> tuple:
    """"2.6.0" -> (2, 6, 0); local and pre-release suffixes are ignored."""
    return tuple(int(part) for part in re.findall(r"\d+", text.split("+")[0])[:3])


def wheel_requirements(wheel: Path) -> list[str]:
    """The wheel's run-time requirements (its METADATA) other than torch and torchvision."""
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = zf.read(name).decode("utf-8")
    reqs = [line.split(":", 1)[1].strip() for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    return [r for r in reqs if "extra ==" not in r and re.split(r"[\s<>=!~;\[]", r)[0] not in ("torch", "torchvision")]


def check_pair(pair: Pair, wheel: Path, root: Path, python_override: str | None,
               pytest_args: list[str]) -> Result:
    res = Result(pair)
    interpreter = find_python(python_override or pair.python)
    if interpreter is None:
        res.error = f"no Python {python_override or pair.python} found (pythonX.Y on PATH or pyenv)"
        return res
    home = root / pair.name
    shutil.rmtree(home, ignore_errors=True)  # a FRESH venv every time
    home.mkdir(parents=True)
    log = home / "install.log"
    log.write_text("", encoding="utf-8")
    venv_py = home / "venv" / "bin" / "python"

    empty = root / "no-constraints.txt"
    empty.write_text("", encoding="utf-8")
    env = dict(os.environ, PIP_CONSTRAINT=str(empty), PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)

    start = time.perf_counter()
    specs = [f"torch=={pair.torch}" if pair.torch else "torch",
             f"torchvision=={pair.torchvision}" if pair.torchvision else "torchvision"]
    if pair.numpy:
        specs.append(f"numpy=={pair.numpy}")
    steps = [[interpreter, "-m", "venv", home / "venv"],
             # the pip bundled with an old Python (23.0 with 3.9) backtracks for many minutes
             # over this set and downloads whole wheels to read their metadata; a current one
             # resolves it in seconds
             [venv_py, "-m", "pip", "install", "--upgrade", "pip"]]
    below = pair.torch is not None and version(pair.torch) < version(declared_floors()["torch"])
    if not below:
        # one resolver run: the pair, the wheel (its own dependency ranges) and the test tools
        steps.append([venv_py, "-m", "pip", "install", "--upgrade", *specs, wheel, *TEST_DEPS])
    else:
        # A pair below the declared floor (to see why the floor is where it is): the wheel's
        # metadata would refuse it, so its other dependencies are installed next to the pair and
        # the wheel itself with --no-deps.
        steps += [[venv_py, "-m", "pip", "install", "--upgrade", *specs, *wheel_requirements(wheel),
                   *TEST_DEPS],
                  [venv_py, "-m", "pip", "install", "--no-deps", wheel]]
    print(f"[{pair.name}] {interpreter} : pip install {' '.join(specs)} {wheel.name}"
          f"{' (below the declared floor: the wheel with --no-deps)' if below else ''} (log: {log})",
          flush=True)
    for cmd in steps:
        if run(cmd, log, env=env, timeout=3600).returncode != 0:
            res.install_s = time.perf_counter() - start
            res.error = f"install failed; see {log}:\n{tail(log)}"
            return res
    res.install_s = time.perf_counter() - start

    # What was really installed, and where cnncourse is imported from (must be site-packages).
    probe = ("import sys, platform, torch, torchvision, numpy, cnncourse; "
             "print(platform.python_version(), torch.__version__, torchvision.__version__, "
             "numpy.__version__, cnncourse.__file__)")
    workdir = Path(tempfile.mkdtemp(prefix="run-", dir=home))  # empty: no cnncourse/ next to it
    proc = subprocess.run([str(venv_py), "-c", probe], cwd=workdir, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        res.error = f"import failed:\n{proc.stderr[-3000:]}"
        return res
    py, tv, tvv, npv, location = proc.stdout.split()
    res.python = py
    res.versions = {"torch": tv, "torchvision": tvv, "numpy": npv}
    print(f"[{pair.name}] Python {py}, torch {tv}, torchvision {tvv}, numpy {npv}; "
          f"cnncourse from {location}", flush=True)
    if "site-packages" not in location:
        res.error = f"cnncourse was imported from {location}, not from the installed wheel"
        return res

    shutil.copytree(REPO / "tests", workdir / "tests",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    # An ini file here makes this folder pytest's rootdir: the repository's pyproject.toml
    # (its nbval options) is not read, and no ini file further up is picked up.
    (workdir / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    # Tests that need the checkout carry the `repo` marker and are deselected (-m "not repo").
    # A module marked as a whole (`pytestmark = pytest.mark.repo`) is not even imported: some
    # build their parameter lists from _toc.yml at collection time, before -m applies.
    whole = sorted(p.name for p in (workdir / "tests").glob("test_*.py")
                   if re.search(r"^pytestmark = pytest\.mark\.repo\b", p.read_text(encoding="utf-8"), re.M))
    junit = home / "junit.xml"
    pytest_log = home / "pytest.log"
    pytest_log.write_text("", encoding="utf-8")
    cmd = [venv_py, "-m", "pytest", "tests", "-m", "not repo", "-p", "no:cacheprovider", "-q", "-ra",
           f"--junitxml={junit}", *[f"--ignore=tests/{name}" for name in whole], *pytest_args]
    print(f"[{pair.name}] running the unit tests (log: {pytest_log})", flush=True)
    start = time.perf_counter()
    proc = run(cmd, pytest_log, cwd=workdir, env=env, timeout=3600)
    res.test_s = time.perf_counter() - start
    res.counts = junit_counts(junit)
    summary = [t for t in pytest_log.read_text(encoding="utf-8").splitlines() if t.strip()]
    print(f"[{pair.name}] {summary[-1] if summary else 'no output'} ({res.test_s:.0f} s)", flush=True)
    res.ok = proc.returncode == 0 and res.counts.get("failed", 0) == 0
    if not res.ok:
        res.error = f"pytest exited {proc.returncode}; see {pytest_log}:\n{tail(pytest_log, 40)}"
    shutil.rmtree(workdir, ignore_errors=True)
    return res


def junit_counts(path: Path) -> dict:
    if not path.exists():
        return {}
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    total = {k: sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors", "skipped")}
    return {"passed": total["tests"] - total["failures"] - total["errors"] - total["skipped"],
            "failed": total["failures"] + total["errors"], "skipped": total["skipped"]}


def table(results: list[Result]) -> str:
    head = ["pair", "Python", "torch", "torchvision", "numpy", "passed", "failed", "skipped",
            "install s", "tests s", "result"]
    rows = [head, ["---"] * len(head)]
    for r in results:
        c = r.counts
        rows.append([r.pair.name, r.python, r.versions.get("torch", r.pair.torch or "newest"),
                     r.versions.get("torchvision", r.pair.torchvision or "newest"),
                     r.versions.get("numpy", "-"), str(c.get("passed", "-")), str(c.get("failed", "-")),
                     str(c.get("skipped", "-")), f"{r.install_s:.0f}", f"{r.test_s:.0f}",
                     "ok" if r.ok else "FAIL"])
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def main(argv=None) -> int:
    known = pairs()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    ap.add_argument("--pairs", nargs="+", choices=sorted(known), default=["floor", "newest"],
                    help="named pairs to check (default: floor newest)")
    ap.add_argument("--torch", help="check this torch version (with --torchvision) instead")
    ap.add_argument("--torchvision", help="the torchvision version for --torch")
    ap.add_argument("--numpy", help="pin numpy too (default: whatever pip resolves)")
    ap.add_argument("--python", help="Python version for every pair checked, e.g. 3.10")
    ap.add_argument("--root", type=Path, default=Path(tempfile.gettempdir()) / "cnncourse-compat",
                    help="where the venvs and logs go (default: %(default)s)")
    ap.add_argument("--keep", action="store_true",
                    help="keep each venv afterwards (default: only its logs; a venv is 5-6 GB)")
    ap.add_argument("pytest_args", nargs="*", help="extra pytest arguments, after --")
    args = ap.parse_args(argv)

    if args.torch or args.torchvision:
        if not (args.torch and args.torchvision):
            ap.error("--torch and --torchvision go together")
        selected = [Pair(f"torch{args.torch}", args.torch, args.torchvision,
                         args.python or known["floor"].python)]
    else:
        selected = [known[name] for name in args.pairs]
    if args.numpy:
        for p in selected:
            p.numpy, p.name = args.numpy, f"{p.name}-numpy{args.numpy}"
    root = args.root.resolve()
    if root == REPO or REPO in root.parents:
        ap.error("--root must be outside the repository (the point is not to import the checkout)")
    root.mkdir(parents=True, exist_ok=True)

    print(f"building the wheel from {REPO} into {root / 'dist'}", flush=True)
    wheel = build_wheel(root)
    print(f"wheel: {wheel.name}", flush=True)
    results = []
    for pair in selected:
        results.append(check_pair(pair, wheel, root, args.python, args.pytest_args))
        if not args.keep:
            shutil.rmtree(root / pair.name / "venv", ignore_errors=True)
        if results[-1].error:
            print(f"[{pair.name}] FAILED: {results[-1].error}", flush=True)
    print()
    print(table(results))
    failed = [r.pair.name for r in results if not r.ok]
    print(f"\n{'all pairs passed' if not failed else 'FAILED: ' + ', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
