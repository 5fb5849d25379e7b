"""``arbdesk panic``: the kill switch from any shell.

The running instance is asked first (it must answer within a second); if none does, the panic is
done here from the stored accounts (``app.control.offline``) and ``HALTED`` stays persisted.
Asking the instance loads only the control client: the store, the engine, pydantic and ccxt are
imported by the offline path alone, so the kill switch answers in a blink.
Exit 0: nothing left open; 1: something remains (listed); 2: the panic could not run.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from app.cli import exit_codes, settings_arg
from app.cli.instance_first import instance_or_here

PANIC_ANSWER_TIMEOUT_S = 120.0  # cancels are retried and verified; flattening takes longer


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("panic", help="halt trading and cancel every open order (the kill switch)")
    p.add_argument("--flatten", action="store_true", help="also close every position at market")
    p.add_argument("--reason", help="why, for the audit log")
    p.add_argument("--json", action="store_true", help="print the report as one JSON line")
    settings_arg.add(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    try:
        return instance_or_here(
            "panic",
            {"flatten": args.flatten, "reason": args.reason or ""},
            PANIC_ANSWER_TIMEOUT_S,
            doing="panicking",
            offline=lambda: _offline(args),
            report=lambda result: print_report(result, args.json),
        )
    except KeyboardInterrupt:
        print("arbdesk: panic interrupted; check `arbdesk status`", file=sys.stderr)
        return exit_codes.COULD_NOT_RUN


def _offline(args: argparse.Namespace) -> int:
    import asyncio

    return asyncio.run(_panic_here(args))


async def _panic_here(args: argparse.Namespace) -> int:
    import logging

    from app.control.offline import REASON, panic_offline
    from app.control.protocol import panic_dict
    from app.runtime import paths
    from app.runtime.logs import configure_logging

    settings = settings_arg.load(args)
    if settings is None:
        return exit_codes.COULD_NOT_RUN
    configure_logging(settings.logging.level, paths.log_dir(), console=False)
    reason = f"{args.reason} (no running instance)" if args.reason else REASON
    try:
        done = await panic_offline(settings, flatten=args.flatten, reason=reason)
    except Exception as exc:
        logging.getLogger(__name__).exception("offline panic failed")
        print(f"arbdesk: the panic could not run: {exc}", file=sys.stderr)
        return exit_codes.COULD_NOT_RUN
    result = panic_dict(done.report)
    result.update(source="offline", trading_state=done.trading_state, notes=list(done.notes))
    return print_report(result, args.json)


def print_report(result: dict[str, Any], as_json: bool) -> int:
    """Print the panic report (text or one JSON line) and return its exit code."""
    print(json.dumps(result, sort_keys=True) if as_json else format_report(result))
    return exit_codes.CLEAN if result.get("clean") else exit_codes.NOT_CLEAN


def format_report(r: dict[str, Any]) -> str:
    by = f"the running instance (pid {r.get('pid')})" if r["source"] == "instance" else "here"
    lines = [
        f"PANIC ({r['actor']}): {r['reason']}",
        f"{r['canceled']} orders canceled in {r['elapsed_ms']:.0f} ms by {by}; "
        f"trading is {r.get('trading_state', 'HALTED')}",
    ]
    for name, v in sorted(r["venues"].items()):
        line = f"  {name}: {v['canceled']} canceled, {'clean' if v['clean'] else 'NOT CLEAN'}"
        for key, label in (
            ("remaining_orders", "still open"),
            ("closed_positions", "closed"),
            ("remaining_positions", "positions left"),
        ):
            if v[key]:
                line += f"; {label}: {', '.join(v[key])}"
        if v["errors"]:
            line += f"; errors: {'; '.join(v['errors'])}"
        lines.append(line)
    lines.extend(f"  note: {note}" for note in r.get("notes", []))
    lines.append("nothing is left open" if r["clean"] else "SOMETHING IS STILL OPEN (see above)")
    return "\n".join(lines)
