"""bus: synchronous in-order dispatch; a raising handler never stops the others."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.bus import EventBus


@dataclass(frozen=True, slots=True)
class Ping:
    n: int


@dataclass(frozen=True, slots=True)
class Pong:
    n: int


@dataclass(frozen=True, slots=True)
class SpecialPing(Ping):
    pass


def test_dispatches_in_subscription_order_to_every_handler() -> None:
    bus = EventBus()
    seen: list[tuple[str, int]] = []
    bus.subscribe(Ping, lambda e: seen.append(("a", e.n)))
    bus.subscribe(Ping, lambda e: seen.append(("b", e.n)))
    bus.publish(Ping(1))
    bus.publish(Ping(2))
    assert seen == [("a", 1), ("b", 1), ("a", 2), ("b", 2)]
    assert bus.handler_count(Ping) == 2


def test_publish_without_handlers_is_a_no_op() -> None:
    bus = EventBus()
    bus.publish(Ping(1))
    assert bus.handler_count(Ping) == 0
    assert not bus.errors


def test_events_published_from_a_handler_are_queued_after_the_current_one() -> None:
    bus = EventBus()
    seen: list[str] = []

    def first(e: object) -> None:
        seen.append(f"first:{e}")
        if isinstance(e, Ping) and e.n == 1:
            bus.publish(Pong(10))
            bus.publish(Ping(2))
            # nothing has been dispatched yet: the second handler has not seen Ping(1)
            assert seen == ["first:Ping(n=1)"]
        if isinstance(e, Pong) and e.n == 10:
            bus.publish(Pong(11))  # published while dispatching a queued event

    def second(e: object) -> None:
        seen.append(f"second:{e}")

    for t in (Ping, Pong):
        bus.subscribe(t, first)
        bus.subscribe(t, second)

    bus.publish(Ping(1))
    assert seen == [
        "first:Ping(n=1)",
        "second:Ping(n=1)",
        "first:Pong(n=10)",
        "second:Pong(n=10)",
        "first:Ping(n=2)",
        "second:Ping(n=2)",
        "first:Pong(n=11)",
        "second:Pong(n=11)",
    ]
    # the queue drained: a later publish dispatches at once
    seen.clear()
    bus.publish(Pong(99))
    assert seen == ["first:Pong(n=99)", "second:Pong(n=99)"]


@settings(max_examples=100)
@given(st.lists(st.lists(st.integers(0, 30), max_size=4), min_size=1, max_size=30))
def test_every_handler_sees_events_in_publish_order(children: list[list[int]]) -> None:
    # event i publishes Ping(c) for each c in children[i] (ids past the end publish nothing);
    # queued dispatch means every handler sees the event tree breadth first
    bus = EventBus()
    seen_a: list[int] = []
    seen_b: list[int] = []
    budget = [200]

    def publisher(e: Ping) -> None:
        seen_a.append(e.n)
        for c in children[e.n] if e.n < len(children) else []:
            if budget[0] > 0:
                budget[0] -= 1
                bus.publish(Ping(c))

    bus.subscribe(Ping, publisher)
    bus.subscribe(Ping, lambda e: seen_b.append(e.n))
    bus.publish(Ping(0))

    expected: list[int] = []
    queue, left = [0], 200
    while queue:
        n = queue.pop(0)
        expected.append(n)
        for c in children[n] if n < len(children) else []:
            if left > 0:
                left -= 1
                queue.append(c)
    assert seen_a == expected
    assert seen_b == expected


def test_a_raising_handler_is_logged_and_counted_and_the_others_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = EventBus()
    seen: list[str] = []

    def broken(e: Ping) -> None:
        raise RuntimeError(f"boom {e.n}")

    bus.subscribe(Ping, lambda e: seen.append(f"before:{e.n}"))
    bus.subscribe(Ping, broken)
    bus.subscribe(Ping, lambda e: seen.append(f"after:{e.n}"))

    with caplog.at_level(logging.ERROR, logger="app.core.bus"):
        bus.publish(Ping(1))
        bus.publish(Ping(2))

    assert seen == ["before:1", "after:1", "before:2", "after:2"]
    name = broken.__qualname__
    assert bus.errors[name] == 2
    assert sum(bus.errors.values()) == 2
    records = [r for r in caplog.records if r.name == "app.core.bus"]
    assert len(records) == 2
    for record, n in zip(records, (1, 2), strict=True):
        assert record.levelno == logging.ERROR
        assert name in record.getMessage() and "Ping" in record.getMessage()
        assert record.exc_info is not None
        assert isinstance(record.exc_info[1], RuntimeError)
        assert str(record.exc_info[1]) == f"boom {n}"


def test_a_raise_in_a_handler_of_a_queued_event_does_not_lose_the_queue(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = EventBus()
    seen: list[object] = []

    def on_ping(e: Ping) -> None:
        seen.append(e)
        bus.publish(Pong(1))
        bus.publish(Pong(2))
        raise ValueError("after publishing")

    def on_pong(e: Pong) -> None:
        seen.append(e)
        if e.n == 1:
            raise KeyError("pong")

    bus.subscribe(Ping, on_ping)
    bus.subscribe(Pong, on_pong)
    with caplog.at_level(logging.ERROR, logger="app.core.bus"):
        bus.publish(Ping(0))
    assert seen == [Ping(0), Pong(1), Pong(2)]
    assert bus.errors[on_ping.__qualname__] == 1
    assert bus.errors[on_pong.__qualname__] == 1
    assert len([r for r in caplog.records if r.name == "app.core.bus"]) == 2
    # and the bus is not left mid-dispatch
    bus.publish(Pong(3))
    assert seen[-1] == Pong(3)


def test_unsubscribe() -> None:
    bus = EventBus()
    seen: list[str] = []
    unsub_a = bus.subscribe(Ping, lambda e: seen.append("a"))
    bus.subscribe(Ping, lambda e: seen.append("b"))
    bus.publish(Ping(1))
    unsub_a()
    assert bus.handler_count(Ping) == 1
    bus.publish(Ping(2))
    assert seen == ["a", "b", "b"]
    unsub_a()  # twice is harmless
    assert bus.handler_count(Ping) == 1


def test_unsubscribe_a_bound_method_and_other_types_untouched() -> None:
    class Sink:
        def __init__(self) -> None:
            self.got: list[object] = []

        def on(self, e: object) -> None:
            self.got.append(e)

    bus = EventBus()
    sink = Sink()
    unsub = bus.subscribe(Ping, sink.on)
    bus.subscribe(Pong, sink.on)
    unsub()
    bus.publish(Ping(1))
    bus.publish(Pong(2))
    assert sink.got == [Pong(2)]
    assert bus.handler_count(Ping) == 0 and bus.handler_count(Pong) == 1


def test_unsubscribe_from_inside_a_handler_stops_later_events() -> None:
    bus = EventBus()
    seen: list[int] = []
    unsub: list[object] = []

    def once(e: Ping) -> None:
        seen.append(e.n)
        unsub[0]()  # type: ignore[operator]
        bus.publish(Ping(e.n + 1))

    unsub.append(bus.subscribe(Ping, once))
    bus.publish(Ping(1))
    assert seen == [1]


def test_dispatch_is_by_exact_type() -> None:
    bus = EventBus()
    base: list[object] = []
    special: list[object] = []
    bus.subscribe(Ping, base.append)
    bus.subscribe(SpecialPing, special.append)
    bus.publish(SpecialPing(1))
    bus.publish(Ping(2))
    bus.publish(Pong(3))
    assert base == [Ping(2)]  # a subclass event does not reach the base class handler
    assert special == [SpecialPing(1)]
    assert bus.handler_count(object) == 0


def test_events_queued_before_a_cancellation_are_dispatched_first_next_time() -> None:
    bus = EventBus()
    seen: list[object] = []

    class Boom(BaseException):
        pass

    def first(event: int) -> None:
        seen.append(event)
        if event == 1:
            bus.publish(2)  # queued behind the event being dispatched
            raise Boom

    bus.subscribe(int, first)
    with pytest.raises(Boom):
        bus.publish(1)
    bus.publish(3)
    assert seen == [1, 2, 3]
