"""``arbdesk resume``: leave HALTED from any shell, as the window's "Resume trading…" does.

A fresh reconciliation runs first; trading becomes ACTIVE only if every venue agrees, and the same
audit entries are written (``reset_requested``, then ``trading_state`` or ``reset_refused``). The
running instance is asked first (it must answer within a second); if none does, the resume is
done here from the store and the stored accounts (``app.control.offline``). Leaving HALTED lets
orders out again, so it is confirmed: ``--yes``, or ``y`` at the prompt of an interactive
terminal; with neither, nothing is done.
Exit 0: resumed (trading ACTIVE); 1: refused (the reconciliation's problems are listed);
2: could not run, or not confirmed (also when no terminal can ask and ``--yes`` is missing).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from app.cli import exit_codes, settings_arg
from app.cli.instance_first import instance_or_here

if TYPE_CHECKING:  # the prompts load the credentials; ``--yes`` against an instance needs neither
    from app.cli.prompts import Prompter

QUESTION = "Resume trading? A fresh reconciliation runs first."
RESUME_ANSWER_TIMEOUT_S = 120.0  # a reconciliation asks every venue for orders, fills, balances


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "resume", help="leave HALTED: reconcile with every venue, resume only if they agree"
    )
    p.add_argument("--yes", action="store_true", help="do not ask for a confirmation")
    p.add_argument("--json", action="store_true", help="print the outcome as one JSON line")
    settings_arg.add(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace, prompter: Prompter | None = None) -> int:
    if not args.yes and not confirmed(prompter or _prompter()):
        return exit_codes.COULD_NOT_RUN
    try:
        return instance_or_here(
            "resume",
            {"confirm": True},
            RESUME_ANSWER_TIMEOUT_S,
            doing="resuming",
            offline=lambda: _offline(args),
            report=lambda result: print_report(result, args.json),
        )
    except KeyboardInterrupt:
        print("arbdesk: resume interrupted; check `arbdesk status`", file=sys.stderr)
        return exit_codes.COULD_NOT_RUN


def _prompter() -> Prompter:
    from app.cli.prompts import Prompter

    return Prompter()


def confirmed(prompter: Prompter) -> bool:
    """Asked on an interactive terminal only: a script must say ``--yes``."""
    from app.cli.prompts import Aborted

    if not prompter.interactive:
        print(
            "arbdesk: resume asks for a confirmation and this is not an interactive terminal; "
            "run `arbdesk resume --yes` to resume without asking (nothing was changed)",
            file=sys.stderr,
        )
        return False
    try:
        answer = prompter.confirm(QUESTION)
    except Aborted:
        answer = False
    if not answer:
        print("arbdesk: not resumed; trading state unchanged", file=sys.stderr)
    return answer


def _offline(args: argparse.Namespace) -> int:
    import asyncio

    return asyncio.run(_resume_here(args))


async def _resume_here(args: argparse.Namespace) -> int:
    import logging

    from app.control.offline import resume_offline
    from app.control.protocol import resume_dict
    from app.runtime import paths
    from app.runtime.logs import configure_logging

    settings = settings_arg.load(args)
    if settings is None:
        return exit_codes.COULD_NOT_RUN
    configure_logging(settings.logging.level, paths.log_dir(), console=False)
    try:
        done = await resume_offline(settings, actor="cli")
    except Exception as exc:
        logging.getLogger(__name__).exception("offline resume failed")
        print(f"arbdesk: the resume could not run: {exc}", file=sys.stderr)
        print("arbdesk: trading state unchanged; check `arbdesk status`", file=sys.stderr)
        return exit_codes.COULD_NOT_RUN
    return print_report(
        {**resume_dict(done.report, done.trading_state), "source": "offline"}, args.json
    )


def print_report(result: dict[str, Any], as_json: bool) -> int:
    """Print the outcome (text or one JSON line) and return its exit code."""
    print(json.dumps(result, sort_keys=True) if as_json else format_report(result))
    return exit_codes.RESUMED if result.get("resumed") is True else exit_codes.REFUSED


def format_report(r: dict[str, Any]) -> str:
    instance = r["source"] == "instance"
    by = f"the running instance (pid {r.get('pid')})" if instance else "this shell"
    state = r["trading_state"]
    if r["resumed"]:
        head = f"Resumed by {by}: every venue agrees; trading is {state}"
    elif r["problems"]:
        head = f"NOT RESUMED by {by}: the venues do not agree; trading is {state}"
    else:  # pragma: no cover - the engine resumes whenever the reconciliation passes
        head = f"NOT RESUMED by {by}: trading is {state}"
    lines = [head]
    for name, v in sorted(r["venues"].items()):
        lines.append(f"  {name}: {'agrees' if v['ok'] else 'DOES NOT AGREE'}")
        if v["error"]:
            lines.append(f"    error: {v['error']}")
        lines.extend(f"    {u}" for u in v["unresolved"])
    return "\n".join(lines)
