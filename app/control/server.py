"""The control server a running instance keeps open, so a shell can panic it or ask its status.

Loopback only, on a port the OS picks; the port and a fresh random token go to the endpoint file
(``endpoint.py``). A request without the right token is refused (compared in constant time) and
the connection closed. Requests are bounded in size and in the time they may take to arrive, so
a stray client can neither fill memory nor hold a handler open. Any local process can connect, so
whatever it sends gets an error answer, never an exception out of the handler (asyncio would log a
traceback per connection). A panic runs to its end even if the asking shell goes away: stopping
half-way would leave the venues in an unknown state. ``resume`` (leaving HALTED) is the window's
"Resume trading…": the shell asks for the confirmation, the engine reconciles first.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.control import endpoint as ep
from app.control.protocol import (
    HOST,
    MAX_LINE_BYTES,
    UNAUTHORIZED,
    ProtocolError,
    decode,
    encode,
    panic_dict,
    resume_dict,
)
from app.engine.api import status_of

if TYPE_CHECKING:
    from app.engine.api import Engine

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 5.0
WRITE_TIMEOUT_S = 5.0
CLOSE_GRACE_S = 30.0  # how long close() lets a running panic finish
DEFAULT_REASON = "arbdesk panic"
MAX_REASON = 500


class ControlServer:
    def __init__(self, engine: Engine, *, path: Path | None = None) -> None:
        self._engine = engine
        self.path = path if path is not None else ep.default_path()
        self._server: asyncio.Server | None = None
        self._endpoint: ep.Endpoint | None = None
        self._handlers: set[asyncio.Task[Any]] = set()

    @property
    def port(self) -> int:
        if self._endpoint is None:
            raise RuntimeError("the control server is not started")
        return self._endpoint.port

    async def start(self) -> None:
        """Listen, then publish the endpoint file (a client finding it can connect at once)."""
        if self._server is not None:
            return
        self._warn_if_other_instance()
        server = await asyncio.start_server(self._handle, HOST, 0, limit=MAX_LINE_BYTES)
        port = int(server.sockets[0].getsockname()[1])
        endpoint = ep.Endpoint(port, ep.new_token(), os.getpid())
        try:
            ep.write(self.path, endpoint)
        except BaseException:
            server.close()
            await server.wait_closed()
            raise
        self._server, self._endpoint = server, endpoint
        log.info("control channel on %s:%d", HOST, port)

    async def close(self) -> None:
        """Remove the endpoint file (if still ours), stop listening, let a panic finish."""
        server, endpoint = self._server, self._endpoint
        if server is None or endpoint is None:
            return
        self._server = None
        ep.remove_if_ours(self.path, endpoint)
        server.close()
        if self._handlers:
            _, pending = await asyncio.wait(set(self._handlers), timeout=CLOSE_GRACE_S)
            for task in pending:
                task.cancel()
        await server.wait_closed()
        log.info("control channel closed")

    def _warn_if_other_instance(self) -> None:
        with contextlib.suppress(ep.EndpointError):
            other = ep.read(self.path)
            if other.pid != os.getpid() and ep.process_alive(other.pid):
                log.warning(
                    "another instance (pid %d) seems to run with the same endpoint file; "
                    "this one takes it over",
                    other.pid,
                )

    # -- one connection ------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            try:
                answer = await self._answer(reader)
            except Exception as exc:  # a bug here: one line in the log, an answer to the client
                log.warning(
                    "control: a request could not be handled (%s: %s)", type(exc).__name__, exc
                )
                answer = _error("the request could not be handled")
            writer.write(_line(answer))
            await asyncio.wait_for(writer.drain(), WRITE_TIMEOUT_S)
        except (OSError, TimeoutError):
            pass  # the client went away; nothing to tell it
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, TimeoutError):
                await asyncio.wait_for(writer.wait_closed(), WRITE_TIMEOUT_S)
            if task is not None:
                self._handlers.discard(task)

    async def _answer(self, reader: asyncio.StreamReader) -> dict[str, Any]:
        try:
            line = await asyncio.wait_for(reader.readline(), READ_TIMEOUT_S)
        except TimeoutError:
            return _error("no request within the time allowed")
        except OSError:  # reset by the client: the answer will most likely not reach it
            return _error("the connection failed")
        except ValueError:  # longer than the stream's limit
            return _error(f"request longer than {MAX_LINE_BYTES} bytes")
        try:
            request = decode(line)
        except ProtocolError as exc:
            return _error(f"a request is one JSON object on one line: {exc}")
        if not self._authorized(request.get("token")):
            log.warning("control: a request without the right token was refused")
            return _error(UNAUTHORIZED)
        command, args = request.get("command"), request.get("args")
        args = {} if args is None else args
        if not isinstance(command, str):
            return _error("command must be a string")
        if not isinstance(args, dict):
            return _error("args must be an object")
        try:
            if command == "ping":
                return _ok({"pid": os.getpid()})
            if command == "status":
                return _ok({**status_of(self._engine), "pid": os.getpid()})
            if command == "panic":
                return _ok(await self._panic(args))
            if command == "resume":
                if args.get("confirm") is not True:
                    return _error('resume leaves HALTED: it needs {"confirm": true}')
                return _ok(await self._resume())
        except Exception as exc:
            log.exception("control: %s failed", command)
            return _error(f"{command} failed: {exc}")
        return _error(f"unknown command {command[:40]!r}")

    def _authorized(self, token: object) -> bool:
        expected = self._endpoint.token if self._endpoint is not None else ""
        if not isinstance(token, str) or not expected:
            return False
        # surrogatepass: JSON may carry lone surrogates, which strict UTF-8 refuses to encode
        return hmac.compare_digest(token.encode("utf-8", "surrogatepass"), expected.encode())

    async def _panic(self, args: dict[str, Any]) -> dict[str, Any]:
        flatten = args.get("flatten", False) is True
        reason = args.get("reason")
        reason = reason[:MAX_REASON] if isinstance(reason, str) and reason else DEFAULT_REASON
        reason = reason.encode("utf-8", "replace").decode()  # JSON allows lone surrogates
        # shielded: a client that disconnects or a close() must not cut the panic in half
        report = await asyncio.shield(self._engine.panic(reason, flatten=flatten, actor="cli"))
        out = panic_dict(report)
        out["trading_state"] = self._engine.trading_state.value
        out["pid"] = os.getpid()
        return out

    async def _resume(self) -> dict[str, Any]:
        """Leave HALTED as the window's "Resume trading…" does (a fresh reconciliation first);
        shielded like a panic: a reconciliation cut in half would leave venues RECONCILING."""
        report = await asyncio.shield(self._engine.reset_halt(confirm=True, actor="cli"))
        out = resume_dict(report, self._engine.trading_state.value)
        out["pid"] = os.getpid()
        return out


def _line(answer: dict[str, Any]) -> bytes:
    """``answer`` on the wire, or an error a client can read if it cannot go there."""
    try:
        line = encode(answer)
    except (TypeError, ValueError) as exc:
        log.warning("control: an answer is not JSON (%s: %s)", type(exc).__name__, exc)
        return encode(_error("the answer could not be encoded"))
    if len(line) > MAX_LINE_BYTES:
        return encode(_error(f"the answer is longer than {MAX_LINE_BYTES} bytes"))
    return line


def _ok(result: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True, "result": result}


def _error(message: str) -> dict[str, Any]:
    return {"ok": False, "error": message}
