"""The paper venue's books keep a position's cost exactly, and open files written before it."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

from app.core.accounting import Position
from app.core.instruments import InstrumentId
from app.venues.paper_store import INITIALIZED, PaperStateStore

D = Decimal
VENUE = "paper-a"
ID = InstrumentId(VENUE, "ETH/USDT:USDT")


def test_a_position_comes_back_with_its_cost_to_the_last_digit(tmp_path: Path) -> None:
    path = tmp_path / "paper.sqlite"
    cost = D(604) / D(3)  # what is left after a partial close of an average with no finite decimal
    saved = Position(ID, D(2), D(302) / D(3), D("0.04013333333333333333333333"), D("0.01"), cost)
    with PaperStateStore(path) as store:
        store.save(VENUE, positions=[saved], meta={INITIALIZED: "1"})
    with PaperStateStore(path) as store:
        state = store.load(VENUE)
    assert state is not None
    (loaded,) = state.positions
    assert loaded == saved
    assert str(loaded.cost) == str(cost) and str(loaded.realized_pnl) == str(saved.realized_pnl)


def test_a_file_from_before_the_cost_opens_and_its_positions_have_none(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE paper_meta (venue TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (venue, key));
        CREATE TABLE paper_positions (
            venue TEXT NOT NULL, symbol TEXT NOT NULL, qty TEXT NOT NULL,
            avg_entry TEXT NOT NULL, realized_pnl TEXT NOT NULL, fees TEXT NOT NULL,
            PRIMARY KEY (venue, symbol));
        INSERT INTO paper_meta VALUES ('paper-a', 'initialized', '1');
        INSERT INTO paper_positions VALUES ('paper-a', 'ETH/USDT:USDT', '-2', '100.5', '3', '0.1');
        """
    )
    db.commit()
    db.close()
    with PaperStateStore(path) as store:
        state = store.load(VENUE)
        assert state is not None
        (old,) = state.positions
        assert (old.qty, old.avg_entry, old.realized_pnl, old.cost) == (D(-2), D("100.5"), 3, None)
        store.save(VENUE, positions=[Position(ID, D(1), D(100), cost=D(100))])
        state = store.load(VENUE)
    assert state is not None
    assert [p.cost for p in state.positions] == [D(100)]
