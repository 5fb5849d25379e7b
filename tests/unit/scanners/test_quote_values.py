from __future__ import annotations

import pytest

from app.core.instruments import InstrumentKind
from app.core.quotes import QuoteBook
from app.engine.quote_values import QuoteValues

from .support import inst, quote


def test_values_direct_inverse_through_usdt_and_pegged() -> None:
    book = QuoteBook()
    insts = [
        inst("a", "BTC/USDT"),
        inst("a", "ETH/BTC"),
        inst("b", "SOL/USDT"),
        inst("c", "BTC/USD:BTC", kind=InstrumentKind.PERPETUAL, inverse=True),
    ]
    for q in (
        quote("a", "BTC/USDT", 29_999.0, 30_001.0),
        quote("a", "ETH/BTC", 0.05, 0.05),
        quote("b", "SOL/USDT", 20.0, 20.0),
    ):
        book.update(q)
    values = QuoteValues(book, insts)
    assert values.value("BTC", 2.0, "USDT") == pytest.approx(60_000.0)
    assert values.value("USDT", 30_000.0, "BTC") == pytest.approx(1.0)
    assert values.value("SOL", 1.0, "BTC") == pytest.approx(20 / 30_000)  # through USDT
    assert values.value("BTC", 1.0, "USD") == pytest.approx(30_000.0)  # USD is USDT
    assert values.value("ETH", 1.0, "ETH") == 1.0
    assert values.value("DOGE", 1.0, "USDT") is None
    book.update(quote("a", "BTC/USDT", 30_001.0, 29_999.0))  # crossed: not a price
    assert values.price("BTC", "USDT") is None
