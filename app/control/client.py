"""Asking the running instance, from a shell of the same user.

``NoInstance`` means nobody is there to ask: no endpoint file (or one not to be trusted), a file
left by a process that is gone, a port that refuses, or nothing answering in time. The caller
then does the work itself from the store. ``NoAnswer`` (a ``NoInstance``) is the last case, kept
apart because an instance that accepted a connection may still be alive and busy.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

from app.control import endpoint as ep
from app.control.protocol import HOST, MAX_LINE_BYTES, decode, encode

DEFAULT_TIMEOUT_S = 1.0


class NoInstance(Exception):
    """No running instance answered; the message says why."""


class NoAnswer(NoInstance):
    """A connection was accepted but no answer came in time."""


class ControlError(Exception):
    """The instance answered, with an error (a refused token, a failed command)."""


async def request(
    command: str,
    args: dict[str, Any] | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,  # noqa: ASYNC109 (bounds each step, not the whole)
    *,
    path: Path | None = None,
) -> dict[str, Any]:
    """``ask`` from a running loop (on a worker thread: one exchange, never the loop's time)."""
    import asyncio  # loaded by the caller's loop already; ``ask`` alone never needs it

    return await asyncio.to_thread(ask, command, args, timeout, path=path)


def ask(
    command: str,
    args: dict[str, Any] | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    *,
    path: Path | None = None,
) -> dict[str, Any]:
    """Send one command and return its result; ``timeout`` bounds connecting and answering
    each. Blocking, on a plain socket: the kill switch from a shell need not load asyncio."""
    file = path if path is not None else ep.default_path()
    try:
        endpoint = ep.read(file)
    except ep.EndpointError as exc:
        raise NoInstance(str(exc)) from None
    if not ep.process_alive(endpoint.pid):
        raise NoInstance(f"{file} was left by process {endpoint.pid}, which is gone")
    try:
        sock = socket.create_connection((HOST, endpoint.port), timeout)
    except TimeoutError:
        raise NoInstance(f"port {endpoint.port} did not accept within {timeout:g} s") from None
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise NoInstance(f"nothing listens on port {endpoint.port} ({why})") from None
    with sock:
        try:
            message = {"token": endpoint.token, "command": command, "args": args or {}}
            sock.sendall(encode(message))
            line = _read_line(sock, timeout)
        except TimeoutError:
            raise NoAnswer(f"no answer from port {endpoint.port} within {timeout:g} s") from None
        except (OSError, ValueError) as exc:
            raise NoInstance(f"the connection to port {endpoint.port} failed: {exc}") from None
    return _result(line, endpoint.port)


def _read_line(sock: socket.socket, timeout: float) -> bytes:
    """The first line (with its newline), or what came before the other side closed;
    ``TimeoutError`` past ``timeout``, ``ValueError`` past ``MAX_LINE_BYTES``."""
    deadline = time.monotonic() + timeout
    data = bytearray()
    while (end := data.find(b"\n")) < 0:
        if len(data) > MAX_LINE_BYTES:
            raise ValueError(f"an answer longer than {MAX_LINE_BYTES} bytes")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        sock.settimeout(remaining)
        chunk = sock.recv(MAX_LINE_BYTES)
        if not chunk:
            return bytes(data)
        data += chunk
    return bytes(data[: end + 1])


def _result(line: bytes, port: int) -> dict[str, Any]:
    if not line:
        raise NoInstance(f"port {port} closed the connection without answering")
    try:
        answer = decode(line)
    except ValueError:
        raise NoInstance(f"port {port} is not an ArbDesk control channel") from None
    if answer.get("ok") is not True:
        raise ControlError(str(answer.get("error") or "the instance refused the request"))
    result = answer.get("result")
    if not isinstance(result, dict):
        raise ControlError("the instance answered without a result")
    return result
