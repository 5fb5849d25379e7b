"""``arbdesk audit verify``: walk the audit log's hash chain and name the first broken link.

Exit 0: the chain holds; 1: it is broken (the entry's id and what is wrong); 2: could not run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from app.cli import exit_codes, settings_arg
from app.engine.status import NoRecords, verify_audit


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("audit", help="the audit log of every order action, halt and reset")
    actions = p.add_subparsers(title="actions", metavar="ACTION", dest="action", required=True)
    v = actions.add_parser("verify", help="check the hash chain; name the first broken entry")
    v.add_argument("--json", action="store_true", help="print the result as one JSON line")
    settings_arg.add(v)
    v.set_defaults(func=verify)


def verify(args: argparse.Namespace) -> int:
    settings = settings_arg.load(args)
    if settings is None:
        return exit_codes.COULD_NOT_RUN
    try:
        check = asyncio.run(verify_audit(settings))
    except NoRecords as exc:
        print(f"arbdesk: {exc}", file=sys.stderr)
        return exit_codes.COULD_NOT_RUN
    except Exception as exc:
        print(f"arbdesk: the audit log could not be read: {exc}", file=sys.stderr)
        return exit_codes.COULD_NOT_RUN
    if args.json:
        out = {
            "ok": check.ok,
            "entries": check.entries,
            "first_broken_id": check.first_broken_id,
            "problem": check.problem,
        }
        print(json.dumps(out, sort_keys=True))
    elif check.ok:
        print(f"audit log: {check.entries} entries, the chain holds")
    else:
        print(
            f"audit log: BROKEN at entry id {check.first_broken_id}: {check.problem} "
            f"({check.entries} entries checked up to it)"
        )
    return exit_codes.CLEAN if check.ok else exit_codes.NOT_CLEAN
