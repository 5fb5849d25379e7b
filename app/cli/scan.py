"""``arbdesk scan FILE``: the scanners over one market snapshot, offline.

Every market of the file is loaded first, then the chosen scanner evaluates everything once, so a
triangle is reported once whatever the order of the file. Fees are one taker fee for every market
(``--fee-bps``, 10 by default: Binance's regular spot tier). Basis reports both directions
(the reverse one needs spot inventory or a borrow); annualised figures count from now.

In the JSON, money is a decimal string: a leg's price and quantity as the scanner computed them
(``decimal_str``), the size in quote currency at ``MONEY_PLACES`` (``money_str``). Edges, rates
and basis figures stay numbers: they are market-data ratios, not amounts.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from app.cli import exit_codes
from app.cli.scan_file import MarketRow, ScanFileError, load_markets
from app.core.instruments import Instrument
from app.core.money import decimal_str, money_str, to_decimal
from app.core.opportunities import BasisDetail, Opportunity
from app.core.quotes import Quote
from app.engine.scanners import (
    BasisScanner,
    CrossVenueScanner,
    CycleScanner,
    Scanner,
    TriangularScanner,
)

KINDS = ("triangular", "cycles", "cross", "basis")
DEFAULT_FEE_BPS = 10.0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("scan", help="find opportunities in one market snapshot (JSON)")
    p.add_argument("file", metavar="FILE", help="JSON list of markets (see the README)")
    p.add_argument("--kind", choices=KINDS, required=True, help="which scanner")
    p.add_argument(
        "--fee-bps",
        type=_bps(0.0, 9_999.0),
        default=DEFAULT_FEE_BPS,
        help=f"taker fee of every market in bps (default {DEFAULT_FEE_BPS:g})",
    )
    p.add_argument(
        "--min-edge-bps",
        type=_bps(-100.0, 10_000.0),
        default=0.0,
        help="report only edges above this, after fees (default 0)",
    )
    p.add_argument(
        "--max-len", type=_max_len, default=4, help="most legs in a cycle (cycles; default 4)"
    )
    p.add_argument(
        "--cross-venue", action="store_true", help="cycles may combine venues (cycles only)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=main)


def _bps(low: float, high: float) -> Any:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be within {low:g}..{high:g}, got {text}")
        return value

    return parse


def _max_len(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not 2 <= value <= 6:
        raise argparse.ArgumentTypeError(f"must be within 2..6, got {text}")
    return value


def scan_rows(
    rows: list[MarketRow],
    kind: str,
    *,
    fee_bps: float = DEFAULT_FEE_BPS,
    min_edge_bps: float = 0.0,
    max_len: int = 4,
    cross_venue: bool = False,
    now_ns: int | None = None,
) -> list[Opportunity]:
    """The opportunities of one snapshot, best edge first."""
    now = time.time_ns() if now_ns is None else now_ns
    fee = to_decimal(fee_bps) / 10_000
    instruments = [
        Instrument(
            r.venue,
            r.symbol,
            r.base,
            r.quote,
            kind=r.kind,
            taker_fee=fee,
            maker_fee=fee,
            expiry_ms=r.expiry_ms,
        )
        for r in rows
    ]
    funding = {(r.venue, r.symbol): r.funding_rate for r in rows}
    scanner: Scanner
    if kind == "triangular":
        scanner = TriangularScanner(instruments, min_edge_bps=min_edge_bps)
    elif kind == "cycles":
        scanner = CycleScanner(
            instruments, max_len=max_len, min_edge_bps=min_edge_bps, cross_venue=cross_venue
        )
    elif kind == "cross":
        scanner = CrossVenueScanner(instruments, min_edge_bps=min_edge_bps)
    elif kind == "basis":
        scanner = BasisScanner(
            instruments,
            entry_edge_bps=min_edge_bps,
            reverse=True,
            funding=lambda venue, symbol: funding.get((venue, symbol)),
        )
    else:
        raise ValueError(f"unknown kind {kind!r}")
    for r in rows:
        scanner.update(Quote(r.venue, r.symbol, r.bid, r.bid_qty, r.ask, r.ask_qty, now))
    found = scanner.scan(now)
    found.sort(key=lambda o: (-o.edge_bps, o.key))
    return found


def as_json(opp: Opportunity) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": opp.kind.value,
        "key": opp.key,
        "legs": [
            {
                "venue": leg.venue,
                "symbol": leg.symbol,
                "side": leg.side.value,
                "price": decimal_str(to_decimal(leg.price)),
                "qty": decimal_str(to_decimal(leg.qty)),
            }
            for leg in opp.legs
        ],
        "edge_bps": opp.edge_bps,
        "size_quote": money_str(to_decimal(opp.size_quote)),
        "size_asset": opp.size_asset,
    }
    if isinstance(opp.detail, BasisDetail):
        out["basis_bps"] = opp.detail.basis_bps
        out["annualized_bps"] = opp.detail.annualized_bps
        out["funding_rate"] = opp.detail.funding_rate
    return out


def main(args: argparse.Namespace) -> int:
    if args.kind == "cycles" and args.min_edge_bps < 0:
        print("arbdesk scan: --min-edge-bps must be >= 0 for cycles", file=sys.stderr)
        return exit_codes.USAGE
    try:
        rows = load_markets(args.file)
    except ScanFileError as exc:
        print(f"arbdesk: {exc}", file=sys.stderr)
        return exit_codes.BAD_DATA
    found = scan_rows(
        rows,
        args.kind,
        fee_bps=args.fee_bps,
        min_edge_bps=args.min_edge_bps,
        max_len=args.max_len,
        cross_venue=args.cross_venue,
    )
    if args.json:
        report = {
            "kind": args.kind,
            "markets": len(rows),
            "fee_bps": args.fee_bps,
            "min_edge_bps": args.min_edge_bps,
            "opportunities": [as_json(o) for o in found],
        }
        if args.kind == "cycles":
            report["max_len"] = args.max_len
        print(json.dumps(report))
        return exit_codes.OK
    print(
        f"{len(found)} {args.kind} opportunities in {len(rows)} markets (fee {args.fee_bps:g} bps)"
    )
    for opp in found:
        legs = "  ".join(
            f"{leg.side.value} {leg.venue}:{leg.symbol}@{leg.price:.10g}" for leg in opp.legs
        )
        print(f"{opp.edge_bps:10.2f} bps  {opp.size_quote:14.6g} {opp.size_asset:<6}  {legs}")
    return exit_codes.OK
