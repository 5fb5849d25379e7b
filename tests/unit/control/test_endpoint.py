"""The endpoint file: private from its first byte, trusted only when private, removed only by
its owner."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app.control import endpoint as ep

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def test_default_path_is_under_the_home_run_folder(arbdesk_home: Path) -> None:
    assert ep.default_path() == arbdesk_home / "run" / "control.json"


@posix_only
def test_written_file_is_private_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "run" / "control.json"
    written = ep.Endpoint(4242, ep.new_token(), os.getpid())
    ep.write(path, written)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert ep.read(path) == written
    assert [p.name for p in path.parent.iterdir()] == ["control.json"]  # no temp file left


@posix_only
def test_a_file_others_can_read_is_not_trusted(tmp_path: Path) -> None:
    path = tmp_path / "control.json"
    ep.write(path, ep.Endpoint(4242, "t", os.getpid()))
    path.chmod(0o644)
    with pytest.raises(ep.EndpointError, match="not private"):
        ep.read(path)


@pytest.mark.parametrize(
    "text", ["", "{", "[]", '{"port": 0, "token": "t", "pid": 1}', '{"port": 1, "pid": 1}']
)
def test_malformed_files_are_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "control.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    with pytest.raises(ep.EndpointError, match="not a valid endpoint file"):
        ep.read(path)


@pytest.mark.parametrize("data", [b"[" * 4000, b'{"port": ' * 900, b"\xff\xfe{}", b"\x00" * 10])
def test_corrupt_files_are_refused_not_raised(tmp_path: Path, data: bytes) -> None:
    """The client reads this file before asking: a RecursionError here would crash `panic`."""
    path = tmp_path / "control.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    with pytest.raises(ep.EndpointError, match="not a valid endpoint file"):
        ep.read(path)


def test_missing_file_names_its_path(tmp_path: Path) -> None:
    with pytest.raises(ep.EndpointError, match="no endpoint file"):
        ep.read(tmp_path / "control.json")


def test_only_the_owner_removes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "control.json"
    mine = ep.Endpoint(4242, "mine", os.getpid())
    ep.write(path, ep.Endpoint(4343, "theirs", os.getpid()))  # another instance took over
    assert not ep.remove_if_ours(path, mine)
    assert path.exists()
    ep.write(path, mine)
    assert ep.remove_if_ours(path, mine)
    assert not path.exists()


@pytest.mark.skipif(sys.platform == "win32", reason="liveness is not probed on Windows")
def test_process_alive_tells_a_gone_process() -> None:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True, timeout=30)  # fmt: skip
    assert ep.process_alive(os.getpid())
    assert not ep.process_alive(int(child.stdout))
