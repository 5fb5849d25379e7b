"""Fixtures of the paper venue tests: one venue with spot, linear and inverse perpetual markets."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from test_paper_support import INVERSE, PERP, SPOT, STARTING, VENUE, MakeVenue, Recorder

from app.core.clock import ManualClock
from app.venues.paper import PaperVenue
from app.venues.paper_store import PaperStateStore


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_000)


@pytest.fixture
def store() -> PaperStateStore:
    return PaperStateStore(":memory:")


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def make_venue(store: PaperStateStore, clock: ManualClock) -> MakeVenue:
    def make(**kwargs: object) -> PaperVenue:
        options: dict[str, object] = {
            "starting_balances": STARTING,
            "store": store,
            "clock": clock,
        }
        options.update(kwargs)
        name = str(options.pop("name", VENUE))
        instruments = options.pop("instruments", [SPOT, PERP, INVERSE])
        return PaperVenue(name, instruments, **options)  # type: ignore[arg-type]

    return make


@pytest.fixture
async def venue(make_venue: MakeVenue, recorder: Recorder) -> AsyncIterator[PaperVenue]:
    v = make_venue()
    v.set_listener(recorder)
    await v.connect()
    yield v
    await v.close()
