"""Asking the running instance, from a shell of the same user.

``NoInstance`` means nobody is there to ask: no endpoint file (or one not to be trusted), a file
left by a process that is gone, a port that refuses, or nothing answering in time. The caller
then does the work itself from the store. ``NoAnswer`` (a ``NoInstance``) is the last case, kept
apart because an instance that accepted a connection may still be alive and busy.
"""

from __future__ import annotations

import asyncio
import contextlib
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
    """Send one command and return its result; ``timeout`` bounds connecting and answering
    each."""
    file = path if path is not None else ep.default_path()
    try:
        endpoint = ep.read(file)
    except ep.EndpointError as exc:
        raise NoInstance(str(exc)) from None
    if not ep.process_alive(endpoint.pid):
        raise NoInstance(f"{file} was left by process {endpoint.pid}, which is gone")
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(HOST, endpoint.port, limit=MAX_LINE_BYTES), timeout
        )
    except TimeoutError:
        raise NoInstance(f"port {endpoint.port} did not accept within {timeout:g} s") from None
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise NoInstance(f"nothing listens on port {endpoint.port} ({why})") from None
    try:
        message = {"token": endpoint.token, "command": command, "args": args or {}}
        writer.write(encode(message))
        await asyncio.wait_for(writer.drain(), timeout)
        line = await asyncio.wait_for(reader.readline(), timeout)
    except TimeoutError:
        raise NoAnswer(f"no answer from port {endpoint.port} within {timeout:g} s") from None
    except (OSError, ValueError) as exc:
        raise NoInstance(f"the connection to port {endpoint.port} failed: {exc}") from None
    finally:
        writer.close()
        with contextlib.suppress(OSError, TimeoutError):
            await asyncio.wait_for(writer.wait_closed(), timeout)
    return _result(line, endpoint.port)


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
