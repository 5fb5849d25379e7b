"""The whole real Binance spot graph as a snapshot: shared by the real-data tests and benchmarks.

Markets are the symbols TRADING in the 2021-10-12 exchangeInfo that also have a positive last
price in the early-2021 ticker (delisted or renamed symbols drop out). The ticker has last prices
only, so bid and ask are made around the last price with a seeded spread of 1 to 30 bps and seeded
visible sizes; the prices themselves are real, and so are their inconsistencies.
"""

from __future__ import annotations

import gzip
import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.core.instruments import Instrument
from app.core.quotes import Quote

ROOT = Path(__file__).resolve().parents[2]
# The shared recordings (the full BBO file): beside the checkout, or where the workspace keeps them.
DATA = next(
    (d for d in (ROOT.parent / "shared" / "data", Path("/work/shared/data")) if d.is_dir()),
    ROOT.parent / "shared" / "data",
)
# Both files ship with the tests, gzipped (61 kB in all; see tests/data/README.md).
EXCHANGE_INFO = ROOT / "tests" / "data" / "binance-exchangeinfo-2021-10-12.json.gz"
TICKER = ROOT / "tests" / "data" / "binance-ticker-price-2021-01.json.gz"
VENUE = "binance"


def _json(path: Path) -> Any:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def snapshot_rows(seed: int = 7) -> list[dict[str, Any]]:
    """Markets in the ``arbdesk scan`` file format, sorted by symbol."""
    info = _json(EXCHANGE_INFO)
    last = {t["symbol"]: float(t["price"]) for t in _json(TICKER)}
    rng = random.Random(seed)
    rows = []
    for sym in sorted(info["symbols"], key=lambda s: s["symbol"]):
        price = last.get(sym["symbol"], 0.0)
        if sym["status"] != "TRADING" or not price > 0:
            continue
        half = rng.uniform(1.0, 30.0) / 2e4
        rows.append(
            {
                "venue": VENUE,
                "symbol": f"{sym['baseAsset']}/{sym['quoteAsset']}",
                "base": sym["baseAsset"],
                "quote": sym["quoteAsset"],
                "bid": price * (1 - half),
                "ask": price * (1 + half),
                "bid_qty": rng.uniform(50.0, 5_000.0) / price,
                "ask_qty": rng.uniform(50.0, 5_000.0) / price,
            }
        )
    return rows


def consistent(rows: list[dict[str, Any]], root: str = "USDT") -> list[dict[str, Any]]:
    """The same markets, spreads and sizes, with mids made consistent: each asset valued once
    from the real last prices (breadth first from ``root``, through the most quoted assets
    first) and each market's mid the ratio of its two values. A market as an arbitrageur leaves
    it: no standing triangle, so what a benchmark times is evaluation, not thousands of stale
    opportunities."""
    by_asset: dict[str, list[dict[str, Any]]] = {}
    quoted: dict[str, int] = {}
    for r in rows:
        by_asset.setdefault(r["base"], []).append(r)
        by_asset.setdefault(r["quote"], []).append(r)
        quoted[r["quote"]] = quoted.get(r["quote"], 0) + 1
    value = {root: 1.0}
    frontier = [root]
    while frontier:
        nxt = []
        for asset in sorted(frontier, key=lambda a: -quoted.get(a, 0)):
            for r in by_asset.get(asset, []):
                mid = (r["bid"] + r["ask"]) / 2
                other, v = (
                    (r["base"], value[asset] * mid)
                    if r["quote"] == asset
                    else (r["quote"], value[asset] / mid)
                )
                if other not in value:
                    value[other] = v
                    nxt.append(other)
        frontier = nxt
    out = []
    for r in rows:
        if r["base"] not in value or r["quote"] not in value:
            out.append(r)
            continue
        half = (r["ask"] - r["bid"]) / (r["ask"] + r["bid"])
        mid = value[r["base"]] / value[r["quote"]]
        out.append({**r, "bid": mid * (1 - half), "ask": mid * (1 + half)})
    return out


def instruments(rows: list[dict[str, Any]], fee_bps: float) -> list[Instrument]:
    fee = Decimal(str(fee_bps)) / 10_000
    return [
        Instrument(r["venue"], r["symbol"], r["base"], r["quote"], taker_fee=fee, maker_fee=fee)
        for r in rows
    ]


def quotes(rows: list[dict[str, Any]], received_ns: int = 1) -> list[Quote]:
    return [
        Quote(r["venue"], r["symbol"], r["bid"], r["bid_qty"], r["ask"], r["ask_qty"], received_ns)
        for r in rows
    ]
