"""Whatever a local process sends, the control server answers an error and keeps serving.

The real server on 127.0.0.1, a raw loopback socket as the client; the engine is a stub (ping
does not reach it). Every case also checks that nothing was logged at ERROR or with a traceback
(asyncio logs one per connection when a handler raises) and that a valid ping still works.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.control import client
from app.control import endpoint as ep
from app.control.protocol import MAX_DEPTH, MAX_LINE_BYTES, ProtocolError, decode, encode
from app.control.server import ControlServer
from app.core.panic import PanicReport, VenuePanicResult
from app.core.trading_state import TradingState
from app.engine.engine import Engine


class StubEngine:
    """Answers a panic with the report it is given, to make answers the wire cannot carry."""

    def __init__(self, report: PanicReport) -> None:
        self.report = report
        self.trading_state = TradingState.ACTIVE
        self.reasons: list[str] = []

    async def panic(self, reason: str, flatten: bool = False, actor: str = "user") -> PanicReport:
        self.reasons.append(reason)
        self.trading_state = TradingState.HALTED
        return self.report


def report(elapsed_ms: float = 1.0, remaining: int = 0) -> PanicReport:
    orders = tuple(f"order-{i:06d}" for i in range(remaining))
    return PanicReport("r", "cli", False, 0, elapsed_ms, 0, (VenuePanicResult("sim-a", 0, orders),))


@pytest.fixture
async def served(
    arbdesk_home: Path, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[tuple[ControlServer, StubEngine]]:
    caplog.set_level(logging.DEBUG)
    engine = StubEngine(report())
    server = ControlServer(cast(Engine, engine))
    await server.start()
    yield server, engine
    await server.close()
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert loud == [], [r.getMessage() for r in loud]


async def exchange(port: int, payload: bytes, *, eof: bool = False) -> dict[str, Any]:
    """Send ``payload`` (then end the sending side if ``eof``); the one answer line."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(payload)
        if eof:
            writer.write_eof()
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), 10)  # until the server closes
    finally:
        writer.close()
    assert data.endswith(b"\n") and data.count(b"\n") == 1, data[:200]
    answer = json.loads(data)
    assert isinstance(answer, dict)
    return answer


async def still_serving(server: ControlServer) -> None:
    assert (await client.request("ping", timeout=5))["pid"] > 0


def request(token: object, **fields: Any) -> bytes:
    return json.dumps({"token": token, **fields}).encode() + b"\n"


def ping_with(token: str, args_json: str) -> bytes:
    """A ping whose args hold ``args_json`` verbatim (what json.dumps would never write)."""
    head = json.dumps({"token": token, "command": "ping"})[:-1]
    return f'{head}, "args": {args_json}}}\n'.encode()


DEEP = b"[" * 60_000 + b"\n"  # under MAX_LINE_BYTES; RecursionError in json before the bound

# (name, payload from the right token, a fragment of the error)
CASES: list[tuple[str, Callable[[str], bytes], str]] = [
    ("not JSON", lambda t: b"not json\n", "not JSON"),
    ("a list", lambda t: b"[1, 2]\n", "not a JSON object"),
    ("a string", lambda t: b'"ping"\n', "not a JSON object"),
    ("null", lambda t: b"null\n", "not a JSON object"),
    ("60,000 [", lambda t: DEEP, f"nested deeper than {MAX_DEPTH}"),
    ("60,000 {", lambda t: b'{"a":' * 13_000 + b"\n", f"nested deeper than {MAX_DEPTH}"),
    ("deep args", lambda t: ping_with(t, "[" * 40 + "]" * 40), "nested deeper"),
    ("invalid UTF-8", lambda t: b'{"token": "\xff\xfe"}\n', "not UTF-8"),
    (
        "UTF-16",
        lambda t: request(t, command="ping")[:-1].decode().encode("utf-16") + b"\n",
        "UTF-8",
    ),
    ("binary", lambda t: bytes(b for b in range(256) if b != 10) * 4 + b"\n", "one JSON object"),
    ("empty line", lambda t: b"\n", "empty line"),
    ("blank line", lambda t: b" \t \r\n", "empty line"),
    ("1e999999", lambda t: ping_with(t, '{"x": 1e999999}'), "out of range"),
    ("-1e999999", lambda t: ping_with(t, '{"x": -1e999999}'), "out of range"),
    ("NaN", lambda t: ping_with(t, '{"x": NaN}'), "NaN"),
    ("Infinity", lambda t: ping_with(t, "[Infinity]"), "Infinity"),
    ("a 5,000-digit integer", lambda t: ping_with(t, "9" * 5000), "not JSON"),
    ("oversize", lambda t: b"x" * (MAX_LINE_BYTES + 10) + b"\n", "longer than"),
    ("no token", lambda t: b'{"command": "ping"}\n', "unauthorized"),
    ("a token object", lambda t: request({"t": t}, command="ping"), "unauthorized"),
    (
        "a lone surrogate token",
        lambda t: b'{"token": "\\ud800", "command": "ping"}\n',
        "unauthorized",
    ),
    ("no command", lambda t: request(t), "command must be a string"),
    ("a command list", lambda t: request(t, command=["ping"]), "command must be a string"),
    ("a command number", lambda t: request(t, command=7), "command must be a string"),
    ("unknown command", lambda t: request(t, command="explode"), "unknown command 'explode'"),
    ("a long unknown command", lambda t: request(t, command="x" * 60_000), "unknown command"),
    ("args a list", lambda t: request(t, command="ping", args=[]), "args must be an object"),
    ("args a string", lambda t: request(t, command="ping", args="x"), "args must be an object"),
    ("args a number", lambda t: request(t, command="ping", args=0), "args must be an object"),
]


@pytest.mark.parametrize(("payload", "error"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_a_malformed_request_gets_an_error_answer(
    served: tuple[ControlServer, StubEngine], payload: Callable[[str], bytes], error: str
) -> None:
    server, engine = served
    answer = await exchange(server.port, payload(ep.read(server.path).token))
    assert answer["ok"] is False and error in answer["error"], answer
    assert len(answer["error"]) < 500  # an error never echoes the request back
    await still_serving(server)
    assert engine.trading_state is TradingState.ACTIVE


async def test_a_request_cut_before_its_newline_is_refused_not_run(
    served: tuple[ControlServer, StubEngine],
) -> None:
    server, engine = served
    whole = request(ep.read(server.path).token, command="panic")
    for cut in (whole[:-1], whole[:20], b"x" * (MAX_LINE_BYTES + 10)):
        answer = await exchange(server.port, cut, eof=True)
        assert answer["ok"] is False, answer
    assert engine.trading_state is TradingState.ACTIVE
    await still_serving(server)


async def test_a_client_that_goes_away_early_leaves_the_server_serving(
    served: tuple[ControlServer, StubEngine],
) -> None:
    server, _ = served
    for payload in (b"", b'{"token": "', DEEP[:-1], b"x" * (MAX_LINE_BYTES + 10)):
        _, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(payload)
        writer.close()
        await writer.wait_closed()
    await still_serving(server)


async def test_many_malformed_requests_at_once(served: tuple[ControlServer, StubEngine]) -> None:
    server, _ = served
    token = ep.read(server.path).token
    answers = await asyncio.gather(*(exchange(server.port, c[1](token)) for c in CASES))
    assert all(a["ok"] is False for a in answers)
    await still_serving(server)


@pytest.mark.parametrize(
    ("made", "error"),
    [(report(elapsed_ms=float("nan")), "could not be encoded"), (report(remaining=5000), "longer")],
    ids=["NaN in the answer", "an answer over the size limit"],
)
async def test_an_answer_the_wire_cannot_carry_becomes_an_error_answer(
    served: tuple[ControlServer, StubEngine], made: PanicReport, error: str
) -> None:
    server, engine = served
    engine.report = made
    with pytest.raises(client.ControlError, match=error):
        await client.request("panic", timeout=5)
    await still_serving(server)


async def test_a_panic_reason_with_a_lone_surrogate_reaches_the_engine_as_utf8(
    served: tuple[ControlServer, StubEngine],
) -> None:
    server, engine = served
    token = ep.read(server.path).token
    line = b'{"token": "%s", "command": "panic", "args": {"reason": "\\udc80drill"}}\n'
    answer = await exchange(server.port, line % token.encode())
    assert answer["ok"] is True, answer
    assert engine.reasons == ["?drill"]  # the audit log and the store can write it as UTF-8


# -- the decoder alone ---------------------------------------------------------------------------

JSONISH = st.text(alphabet='[]{}",:\\ \t0123456789eE.+-truefalsnNaIiyu\ud800', max_size=300)


def decode_or_refuse(line: bytes) -> None:
    try:
        message = decode(line)
    except ProtocolError:
        return
    assert isinstance(message, dict)
    encode(message)  # what is accepted can be sent back: no NaN, no infinity


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_decode_or_are_refused(data: bytes) -> None:
    decode_or_refuse(data)
    decode_or_refuse(data + b"\n")


@settings(max_examples=500, deadline=None)
@given(JSONISH, st.integers(0, 2000))
def test_random_json_like_text_decodes_or_is_refused(text: str, brackets: int) -> None:
    line = ("{" * brackets + text).encode("utf-8", "surrogatepass")
    decode_or_refuse(line + b"\n")
    decode_or_refuse(b'{"a":' + line + b"}\n")


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), JSON_VALUES, max_size=4))
def test_what_encode_writes_decode_reads_back(message: dict[str, Any]) -> None:
    line = encode(message)
    if len(line) <= MAX_LINE_BYTES and depth(message) <= MAX_DEPTH:
        assert decode(line) == message
    else:
        with pytest.raises(ProtocolError):
            decode(line)


def depth(value: object) -> int:
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list):
        return 0
    return 1 + max(map(depth, value), default=0)


def test_nesting_is_bounded_at_max_depth_and_brackets_in_strings_do_not_count() -> None:
    inside = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    assert decode(f'{{"a":{inside}}}\n'.encode())["a"]
    with pytest.raises(ProtocolError, match="nested deeper"):
        decode(f'{{"a":[{inside}]}}\n'.encode())
    assert decode(b'{"a":"' + b"[" * 60_000 + b'"}\n')["a"] == "[" * 60_000
    assert decode(b'{"a":"\\"' + b"[" * 100 + b'"}\n')["a"] == '"' + "[" * 100
    with pytest.raises(ProtocolError, match="not JSON"):  # unterminated: json stops at the quote
        decode(b'{"a":"\\"' + b"[" * 100 + b"\n")
