"""Write the package's question files from the teacher's sources, sealing the answers.

    python scripts/seal_questions.py          # book/teacher/questions/*.json -> cnncourse/exercises/questions/
    python scripts/seal_questions.py --check  # exit 1 when a shipped file is not what its source gives

A source (book/teacher/questions/<assignment>.json) holds every question record in plain text,
the answers and solution notes included, and the assignment's release key. The shipped file
(cnncourse/exercises/questions/<assignment>.json) is the same records with each stored answer and
each solution note sealed under that key (cnncourse.exercises._data.build); the key is not in it.
A teacher who wants keys of their own changes "release_key" in the sources, runs this script and
has the students install the package from that copy.
"""
import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cnncourse.exercises._data import build, dumps  # noqa: E402

SOURCES = ROOT / "book" / "teacher" / "questions"
SHIPPED = ROOT / "cnncourse" / "exercises" / "questions"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; write nothing")
    args = parser.parse_args(argv)
    stale = []
    for source in sorted(SOURCES.glob("*.json")):
        text = dumps(build(json.loads(source.read_text(encoding="utf-8"))))
        target = SHIPPED / source.name
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        stale.append(target.name)
        if not args.check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    if args.check and stale:
        print(f"stale: {', '.join(stale)} (run python scripts/seal_questions.py)", file=sys.stderr)
        return 1
    print(("stale: " if args.check else "written: ") + (", ".join(stale) or "nothing"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
