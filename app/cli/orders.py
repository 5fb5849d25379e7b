"""``arbdesk orders show CLIENT_ID``: one order, every transition the journal kept, its fills.

Reads the store only, never a running instance: the journal is written before an order leaves
for a venue, but a running instance writes its latest updates at the end of each loop pass, so
the last moment may not be there yet. Exit 0: shown; 1: no such order; 2: could not run (no
database, unusable settings).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
from collections.abc import Sequence
from typing import Any

from app.cli import exit_codes, settings_arg
from app.engine.order_history import history_dict, stored_order_history
from app.engine.status import NoRecords


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("orders", help="the order journal: one order's history")
    actions = p.add_subparsers(title="actions", metavar="ACTION", dest="action", required=True)
    s = actions.add_parser(
        "show",
        help="an order, every transition and its fills (read from the store)",
        description="Print an order, every transition the journal kept (who, what, when, the "
        "venue's answer) and its fills. Reads the store, not a running instance: the newest "
        "updates of a running instance may take until the end of its loop pass to be written.",
    )
    s.add_argument("client_order_id", metavar="CLIENT_ID", help="the order's client order id")
    s.add_argument("--json", action="store_true", help="print the history as one JSON line")
    settings_arg.add(s)
    s.set_defaults(func=show)


def show(args: argparse.Namespace) -> int:
    settings = settings_arg.load(args)
    if settings is None:
        return exit_codes.COULD_NOT_RUN
    try:
        history = asyncio.run(stored_order_history(settings, args.client_order_id))
    except NoRecords as exc:
        print(f"arbdesk: {exc}", file=sys.stderr)
        return exit_codes.COULD_NOT_RUN
    except Exception as exc:
        print(f"arbdesk: the order journal could not be read: {exc}", file=sys.stderr)
        return exit_codes.COULD_NOT_RUN
    if history is None:
        print(f"arbdesk: no order {args.client_order_id!r} in the journal", file=sys.stderr)
        return exit_codes.NO_SUCH_ORDER
    data = history_dict(history)
    print(json.dumps(data, sort_keys=True) if args.json else format_history(data))
    return exit_codes.OK


def format_time(ts_ns: int) -> str:
    """UTC to the microsecond, from integer nanoseconds (no float rounding)."""
    seconds, ns = divmod(ts_ns, 1_000_000_000)
    t = dt.datetime.fromtimestamp(seconds, dt.UTC).replace(microsecond=ns // 1000)
    return t.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    return [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in (header, *rows)
    ]


def format_history(h: dict[str, Any]) -> str:
    o = h["order"]
    price = "market" if o["price"] is None else o["price"]
    lines = [
        f"order {o['client_order_id']}",
        f"  venue: {o['venue']}  symbol: {o['symbol']}",
        f"  {o['side']} {o['type']} {o['time_in_force']} {o['quantity']} @ {price}"
        + (" (reduce only)" if o["reduce_only"] else ""),
        f"  status: {o['status']}  filled: {o['filled_qty']}  avg price: "
        f"{o['avg_fill_price'] if o['avg_fill_price'] is not None else '-'}",
        f"  origin: {o['origin']}  trace id: {o['trace_id'] or '-'}",
        f"  venue order id: {o['venue_order_id'] or '-'}",
        f"  reason: {o['reason'] or '-'}",
        f"  created: {format_time(o['created_ns'])}  updated: {format_time(o['updated_ns'])}",
        f"events: {len(h['events'])}",
    ]
    if h["events"]:
        rows = [
            (
                format_time(e["ts_ns"]),
                e["actor"],
                e["action"],
                e["status"],
                e["filled_qty"],
                " ".join(e["detail"].split()) or "-",  # one line per event
            )
            for e in h["events"]
        ]
        lines += _table(("time", "actor", "action", "status", "filled", "detail"), rows)
    lines.append(f"fills: {len(h['fills'])}")
    if h["fills"]:
        rows = [
            (
                f["trade_id"],
                f["qty"],
                f["price"],
                f["fee"],
                f["fee_currency"],
                format_time(f["ts_ns"]),
            )
            for f in h["fills"]
        ]
        lines += _table(("trade id", "qty", "price", "fee", "fee currency", "time"), rows)
    return "\n".join(lines)
