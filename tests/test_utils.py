"""cnncourse.utils: the one atomic writer and its leftovers, the lock, and errors that name parameters."""
import os
import pickle
import time

import pytest

from cnncourse.utils import ConfigError, Param, atomic_write, check_writable, locked, remove_stale_tmp

HOUR = 3600


def _age(path, seconds):
    t = time.time() - seconds
    os.utime(path, (t, t))


def test_a_killed_writes_temporary_file_is_removed_by_the_next_write(tmp_path):
    target = tmp_path / "run.pt"
    stale = tmp_path / ".run.pt.a1b2c3d4.tmp"  # what mkstemp names it; the process was killed
    fresh = tmp_path / ".run.pt.zzzzzzzz.tmp"  # a write in progress elsewhere, just started
    others = [tmp_path / n for n in (".run.pt.abc.tmp", "run.pt.a1b2c3d4.tmp", ".other.pt.a1b2c3d4.tmp",
                                     ".run.pt.a1b2c3d4.tmp.keep")]
    for p in (stale, fresh, *others):
        p.write_bytes(b"half a checkpoint")
    for p in (stale, *others):
        _age(p, 2 * HOUR)
    atomic_write(target, lambda f: f.write(b"whole"))
    assert target.read_bytes() == b"whole" and not stale.exists()
    assert fresh.exists() and all(p.exists() for p in others)  # only our pattern, only old ones


def test_a_temporary_file_in_use_is_kept(tmp_path):
    import fcntl

    old = tmp_path / ".run.pt.q9w8e7r6.tmp"
    old.write_bytes(b"a slow write to a network folder")
    _age(old, 2 * HOUR)
    with open(old, "rb") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)  # its writer is alive and holds it
        assert remove_stale_tmp(tmp_path / "run.pt") == [] and old.exists()
    assert remove_stale_tmp(tmp_path / "run.pt") == [old] and not old.exists()


def test_atomic_write_keeps_the_old_file_when_the_write_fails(tmp_path):
    target = tmp_path / "r.json"
    target.write_text("old")

    def fail(f):
        f.write("partial")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        atomic_write(target, fail, binary=False)
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["r.json"]


def test_check_writable_names_the_file_and_the_cause(tmp_path):
    with pytest.raises(ConfigError, match=r"the results file .* is a folder; give a file name"):
        check_writable(tmp_path, "results file")
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(ConfigError, match=r"cannot write the checkpoint .*a-file/sub/run.pt: .*Not a directory"):
        check_writable(tmp_path / "a-file" / "sub" / "run.pt", "checkpoint")
    with pytest.raises(ConfigError, match=r"not enough free space for the checkpoint .*run.pt: it needs about "
                                          r"1,048,576.0 MB"):
        check_writable(tmp_path / "run.pt", "checkpoint", need_bytes=2**40)
    assert check_writable(tmp_path / "new" / "run.pt", "checkpoint") == tmp_path / "new" / "run.pt"
    assert os.listdir(tmp_path / "new") == []  # the probe is gone


def test_locked_serialises_and_leaves_only_its_lock_file(tmp_path):
    with locked(tmp_path / "r.json"):
        pass
    assert os.listdir(tmp_path) == [".r.json.lock"]


def test_params_are_written_by_whoever_renders_the_message():
    exc = ConfigError("{given} is refused; try {other} or {flag}", given=Param("seed", 5),
                      other=Param("checkpoint", placeholder="PATH"), flag=Param("extend", True))
    assert str(exc) == "seed=5 is refused; try checkpoint=PATH or extend=True"
    assert exc.render(lambda p: f"<{p.name}>") == "<seed> is refused; try <checkpoint> or <extend>"
    assert isinstance(exc, ValueError) and str(pickle.loads(pickle.dumps(exc))) == str(exc)
    assert str(ConfigError("braces {kept} when there are no values")) == "braces {kept} when there are no values"
