"""The server's door and the client's view of it: tokens, bounds, and every way to find nobody.

The engine here is a stub: these tests are about the channel. The real engine behind it is in
tests/integration/test_control_server.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import pytest

from app.control import client
from app.control import endpoint as ep
from app.control.protocol import MAX_LINE_BYTES
from app.control.server import ControlServer
from app.core.panic import PanicReport, VenuePanicResult
from app.core.trading_state import TradingState
from app.engine.engine import Engine


class StubEngine:
    def __init__(self) -> None:
        self.panics: list[tuple[str, bool, str]] = []
        self.trading_state = TradingState.ACTIVE

    async def panic(self, reason: str, flatten: bool = False, actor: str = "user") -> PanicReport:
        self.panics.append((reason, flatten, actor))
        self.trading_state = TradingState.HALTED
        venue = VenuePanicResult("sim-a", 2, remaining_orders=("c-9",))
        return PanicReport(reason, actor, flatten, 0, 1.5, 0, (venue,))


@pytest.fixture
async def served(arbdesk_home: Path) -> AsyncIterator[tuple[ControlServer, StubEngine]]:
    engine = StubEngine()
    server = ControlServer(cast(Engine, engine))
    await server.start()
    yield server, engine
    await server.close()


async def raw(port: int, payload: bytes) -> tuple[dict[str, Any], bytes]:
    """Send ``payload`` as is; the answer, and whatever followed it before the server closed."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(payload)
    await writer.drain()
    answer = json.loads(await asyncio.wait_for(reader.readline(), 5))
    rest = await asyncio.wait_for(reader.read(), 5)  # b"" once the server has closed
    writer.close()
    return answer, rest


@pytest.mark.parametrize(
    "request_",
    [
        {"command": "panic"},
        {"token": "wrong", "command": "panic"},
        {"token": None, "command": "panic"},
        {"token": 12345, "command": "panic"},
    ],
)
async def test_requests_without_the_token_are_refused_and_closed(
    served: tuple[ControlServer, StubEngine], request_: dict[str, Any]
) -> None:
    server, engine = served
    answer, rest = await raw(server.port, json.dumps(request_).encode() + b"\n")
    assert answer == {"ok": False, "error": "unauthorized"}
    assert rest == b""
    assert engine.panics == []


async def test_the_right_token_is_obeyed(served: tuple[ControlServer, StubEngine]) -> None:
    _, engine = served
    result = await client.request("panic", {"flatten": True, "reason": "drill"}, timeout=5)
    assert engine.panics == [("drill", True, "cli")]
    assert result["trading_state"] == "HALTED"
    assert result["clean"] is False
    assert result["venues"]["sim-a"]["remaining_orders"] == ["c-9"]
    assert result["pid"] == os.getpid()


async def test_a_wrong_token_in_the_file_is_a_control_error(
    served: tuple[ControlServer, StubEngine],
) -> None:
    server, engine = served
    ep.write(server.path, ep.Endpoint(server.port, "forged", os.getpid()))
    with pytest.raises(client.ControlError, match="unauthorized"):
        await client.request("panic")
    assert engine.panics == []


async def test_oversized_and_malformed_requests_are_refused(
    served: tuple[ControlServer, StubEngine],
) -> None:
    server, engine = served
    big, _ = await raw(server.port, b"x" * (MAX_LINE_BYTES + 10) + b"\n")
    assert big["ok"] is False and "longer than" in big["error"]
    bad, _ = await raw(server.port, b"not json\n")
    assert bad["ok"] is False and "JSON" in bad["error"]
    with pytest.raises(client.ControlError, match="unknown command"):
        await client.request("explode")
    assert (await client.request("ping"))["pid"] == os.getpid()  # still serving
    assert engine.panics == []


async def test_close_removes_the_endpoint_file(arbdesk_home: Path) -> None:
    server = ControlServer(cast(Engine, StubEngine()))
    await server.start()
    assert server.path == arbdesk_home / "run" / "control.json"
    assert ep.read(server.path).port == server.port
    if os.name == "posix":
        assert server.path.stat().st_mode & 0o777 == 0o600
    await server.close()
    assert not server.path.exists()
    with pytest.raises(client.NoInstance, match="no endpoint file"):
        await client.request("ping")


async def test_no_file_is_no_instance(arbdesk_home: Path) -> None:
    with pytest.raises(client.NoInstance, match="no endpoint file"):
        await client.request("status")


@pytest.fixture
def dead_pid() -> int:
    """The pid of a process that has ended."""
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return int(child.stdout)


@pytest.mark.skipif(sys.platform == "win32", reason="liveness is not probed on Windows")
async def test_a_file_left_by_a_dead_process_is_no_instance(
    arbdesk_home: Path, dead_pid: int
) -> None:
    ep.write(ep.default_path(), ep.Endpoint(1, "t", dead_pid))
    with pytest.raises(client.NoInstance, match="which is gone"):
        await client.request("panic")


async def test_a_port_nobody_listens_on_is_no_instance(arbdesk_home: Path) -> None:
    listener = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = int(listener.sockets[0].getsockname()[1])
    listener.close()
    await listener.wait_closed()
    ep.write(ep.default_path(), ep.Endpoint(port, "t", os.getpid()))
    with pytest.raises(client.NoInstance, match="nothing listens"):
        await client.request("ping")


async def test_a_silent_listener_is_no_answer_within_the_timeout(arbdesk_home: Path) -> None:
    held: list[asyncio.StreamWriter] = []

    async def mute(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # accept, never answer

    listener = await asyncio.start_server(mute, "127.0.0.1", 0)
    port = int(listener.sockets[0].getsockname()[1])
    ep.write(ep.default_path(), ep.Endpoint(port, "t", os.getpid()))
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    try:
        with pytest.raises(client.NoAnswer):
            await client.request("ping", timeout=0.3)
    finally:
        for writer in held:
            writer.close()
        listener.close()
        await listener.wait_closed()
    assert loop.time() - t0 < 2
