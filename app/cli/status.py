"""``arbdesk status``: trading state, open orders per venue and positions.

From the running instance when one answers within a second, else from the store (the persisted
state, the journal's open orders and the recorded positions); the output says which.
Exit 0: shown; 2: nothing to show (no instance and no records, or unusable settings).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from app.cli import exit_codes, settings_arg
from app.control import client


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("status", help="trading state, open orders and positions")
    p.add_argument("--json", action="store_true", help="print the status as one JSON line")
    settings_arg.add(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    try:
        status = await client.request("status", timeout=client.DEFAULT_TIMEOUT_S)
    except (client.NoInstance, client.ControlError) as exc:
        from app.engine.status import NoRecords, stored_status  # the store: only without instance

        settings = settings_arg.load(args)
        if settings is None:
            return exit_codes.COULD_NOT_RUN
        try:
            status = await stored_status(settings)
        except NoRecords as exc2:
            print(f"arbdesk: no running instance ({exc}) and {exc2}", file=sys.stderr)
            return exit_codes.COULD_NOT_RUN
        except Exception as exc2:
            print(f"arbdesk: the records could not be read: {exc2}", file=sys.stderr)
            return exit_codes.COULD_NOT_RUN
        status["no_instance"] = str(exc)
    print(json.dumps(status, sort_keys=True) if args.json else format_status(status))
    return exit_codes.OK


def format_status(s: dict[str, Any]) -> str:
    if s["source"] == "instance":
        source = f"the running instance (pid {s.get('pid')})"
    else:
        source = f"the store: no running instance ({s.get('no_instance', '')})"
    state = s["trading_state"] + (f" ({s['reason']})" if s.get("reason") else "")
    orders: dict[str, list[dict[str, Any]]] = s["open_orders"]
    lines = [
        f"source: {source}",
        f"mode: {s.get('mode', '?')}",
        f"trading state: {state}",
        f"open orders: {sum(len(v) for v in orders.values())}",
    ]
    for venue, items in sorted(orders.items()):
        lines.append(f"  {venue}: {len(items)}")
        for o in items:
            price = f" @ {o['price']}" if o["price"] is not None else ""
            lines.append(
                f"    {o['client_order_id']} {o['side']} {o['type']} {o['quantity']} "
                f"{o['symbol']}{price} {o['status']} (filled {o['filled_qty']})"
            )
    lines.append(f"positions: {len(s['positions'])}")
    lines.extend(
        f"  {p['venue']} {p['symbol']} {p['qty']} @ {p['avg_entry']}" for p in s["positions"]
    )
    return "\n".join(lines)
