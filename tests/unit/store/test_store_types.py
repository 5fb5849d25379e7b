"""Money is exact and JSON keeps amounts as strings, through a real SQLite round trip."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Column, Connection, Integer, MetaData, Table, insert, select, text
from sqlalchemy.exc import StatementError

from app.store.engine import create_store_engine
from app.store.types import JsonText, Money

meta = MetaData()
probe = Table(
    "probe",
    meta,
    Column("id", Integer, primary_key=True),
    Column("amount", Money, nullable=True),
    Column("doc", JsonText, nullable=True),
)


@pytest.fixture
def mem() -> Any:
    engine = create_store_engine("sqlite://")
    meta.create_all(engine)
    with engine.begin() as connection:
        yield connection
    engine.dispose()


def _roundtrip(conn: Connection, amount: object) -> Any:
    conn.execute(probe.delete())
    conn.execute(insert(probe).values(id=1, amount=amount, doc=None))
    return conn.execute(select(probe.c.amount)).scalar_one()


@pytest.mark.parametrize(
    "amount",
    [
        Decimal("0.1") + Decimal("0.2"),
        Decimal("1234567890.123456789012345678"),  # 28 significant digits
        Decimal("-0.0000000000000000000000000001"),
        Decimal("1.10"),  # trailing zero (the exponent) survives
        Decimal("1E+3"),
        Decimal("-0"),
        Decimal("123456789012345678901234567890123456789.5"),  # beyond 28 digits too
    ],
)
def test_money_roundtrips_exactly(mem: Connection, amount: Decimal) -> None:
    back = _roundtrip(mem, amount)
    assert isinstance(back, Decimal)
    assert back == amount
    assert str(back) == str(amount)  # same digits and exponent, not only equal in value


def test_sum_of_tenths_is_three_tenths_not_a_float(mem: Connection) -> None:
    back = _roundtrip(mem, Decimal("0.1") + Decimal("0.2"))
    assert back == Decimal("0.3")
    assert mem.execute(text("SELECT amount FROM probe")).scalar_one() == "0.3"


def test_money_accepts_int_and_str_and_null(mem: Connection) -> None:
    assert _roundtrip(mem, 7) == Decimal(7)
    assert _roundtrip(mem, "0.30") == Decimal("0.30")
    assert _roundtrip(mem, None) is None


@pytest.mark.parametrize("bad", [0.1, True, Decimal("NaN"), Decimal("Infinity")])
def test_money_refuses_floats_and_non_finite(mem: Connection, bad: object) -> None:
    with pytest.raises(StatementError):
        _roundtrip(mem, bad)


def test_json_text_roundtrip_keeps_decimals_as_strings(mem: Connection) -> None:
    doc = {"qty": Decimal("0.1"), "ok": True, "list": [1, "a"], "set": frozenset({"b", "a"})}
    mem.execute(insert(probe).values(id=2, amount=None, doc=doc))
    back = mem.execute(select(probe.c.doc).where(probe.c.id == 2)).scalar_one()
    assert back == {"qty": "0.1", "ok": True, "list": [1, "a"], "set": ["a", "b"]}


def test_json_text_refuses_unknown_objects(mem: Connection) -> None:
    with pytest.raises(StatementError):
        mem.execute(insert(probe).values(id=3, doc={"x": object()}))
