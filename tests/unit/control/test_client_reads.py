"""What the client makes of answers no ArbDesk sends: too long, cut short, in pieces.

A plain loopback listener plays the instance; the client is the blocking one the shell uses
(through ``request``, which runs it on a worker thread while this loop serves).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from app.control import client
from app.control import endpoint as ep
from app.control.protocol import MAX_LINE_BYTES

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture
async def listen() -> AsyncIterator[Callable[[Handler], Awaitable[int]]]:
    servers: list[asyncio.Server] = []

    async def start(handler: Handler) -> int:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        servers.append(server)
        port = int(server.sockets[0].getsockname()[1])
        ep.write(ep.default_path(), ep.Endpoint(port, "t", os.getpid()))
        return port

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


def answering(*chunks: bytes) -> Handler:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readline()
        for chunk in chunks:
            writer.write(chunk)
            await writer.drain()
            await asyncio.sleep(0.01)
        writer.close()

    return handler


async def test_an_answer_in_pieces_is_read_whole(
    listen: Callable[[Handler], Awaitable[int]],
) -> None:
    await listen(answering(b'{"ok": true, ', b'"result": {"pid": 7}}', b"\n"))
    assert await client.request("ping", timeout=5) == {"pid": 7}


async def test_an_endless_answer_is_cut_at_the_line_limit(
    listen: Callable[[Handler], Awaitable[int]],
) -> None:
    port = await listen(answering(b"x" * (MAX_LINE_BYTES + 10)))
    with pytest.raises(client.NoInstance, match=f"port {port} failed: an answer longer than"):
        await client.request("ping", timeout=5)


async def test_an_answer_cut_short_is_not_a_control_channel(
    listen: Callable[[Handler], Awaitable[int]],
) -> None:
    port = await listen(answering(b'{"ok": true, "result": {}'))  # closed before the newline
    with pytest.raises(client.NoInstance, match=f"port {port} is not an ArbDesk control channel"):
        await client.request("ping", timeout=5)
