"""The order path's replay market: the recording's venues and instruments, no quotes read."""

from __future__ import annotations

from pathlib import Path

from app.engine.wiring import build_market
from app.runtime.settings import Settings
from app.venues.replay import ReplayMarket


def test_catalog_only_has_the_venues_and_instruments_and_no_quotes(tmp_path: Path) -> None:
    full = ReplayMarket()
    light = ReplayMarket.catalog_only()
    assert set(full.venues()) <= set(light.venues())
    assert {i.id for i in full.instruments()} <= {i.id for i in light.instruments()}
    assert light.clock.now_ns() == 0


def test_build_market_without_quotes_never_reads_the_replay_file(tmp_path: Path) -> None:
    settings = Settings.model_validate(
        {"market": {"source": "replay"}, "replay": {"file": str(tmp_path / "missing.csv.gz")}}
    )
    market = build_market(settings, tmp_path, quotes=False)  # the file does not even exist
    assert sorted(market.venues) == sorted(ReplayMarket.catalog_only().venues())
    market.paper_store.close()
