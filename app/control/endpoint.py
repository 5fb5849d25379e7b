"""The endpoint file: where a running instance listens, and the token it wants.

``control.json`` holds ``{"port", "token", "pid"}``. It is created with mode 0o600 (never readable
by another user, not even for an instant: the mode is set by ``os.open``, not by a later chmod)
and replaced atomically, so a reader sees the old file or the new one, never half of one. A
reader trusts it only if it belongs to this user and nobody else can read or write it: a file
planted by someone else must not steer the kill switch to their port. On Windows, file modes
mean little; the per-user profile folder is what keeps it private there.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from app.runtime import paths

FILE_NAME = "control.json"
POSIX = os.name == "posix"


class EndpointError(Exception):
    """No usable endpoint file: absent, unreadable, malformed or not trustworthy."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    port: int
    token: str
    pid: int


def default_path() -> Path:
    return paths.runtime_dir() / FILE_NAME


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _private_dir(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not POSIX:
        return
    info = directory.stat()
    if info.st_uid != os.getuid():
        raise EndpointError(f"{directory} belongs to another user")
    if info.st_mode & 0o077:
        directory.chmod(0o700)


def write(path: Path, endpoint: Endpoint) -> None:
    """Atomically (re)place the file, private from its first byte."""
    _private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    data = json.dumps({"port": endpoint.port, "token": endpoint.token, "pid": endpoint.pid})
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def read(path: Path) -> Endpoint:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise EndpointError(f"no endpoint file at {path}") from None
    except OSError as exc:
        raise EndpointError(f"{path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "r", encoding="utf-8") as fh:
        if POSIX:
            info = os.fstat(fh.fileno())
            if info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
                raise EndpointError(f"{path} is not private to this user: ignored")
        try:
            text = fh.read(4096)
        except ValueError:  # not UTF-8
            raise EndpointError(f"{path} is not a valid endpoint file") from None
    try:
        data = json.loads(text)
        port, token, pid = data["port"], data["token"], data["pid"]
    except (ValueError, TypeError, KeyError, RecursionError):  # RecursionError: [[[[…
        raise EndpointError(f"{path} is not a valid endpoint file") from None
    ok = isinstance(port, int) and 0 < port < 65536 and isinstance(token, str) and token
    if not ok or not isinstance(pid, int):
        raise EndpointError(f"{path} is not a valid endpoint file")
    return Endpoint(port, token, pid)


def remove_if_ours(path: Path, endpoint: Endpoint) -> bool:
    """Remove the file unless another instance has replaced it since."""
    try:
        current = read(path)
    except EndpointError:
        return False
    if current.pid != endpoint.pid or not secrets.compare_digest(current.token, endpoint.token):
        return False
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return True


def process_alive(pid: int) -> bool:
    """Whether ``pid`` runs. Unknown on Windows (``os.kill`` would terminate it): assumed alive,
    and the refused connection tells instead."""
    if sys.platform == "win32":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, as another user: not ours, but alive
    return True
