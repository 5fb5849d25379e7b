"""Entry point of the ``arbdesk`` console script."""

from __future__ import annotations

import argparse
import os
import sys

from app import __version__
from app.cli import (
    alerts,
    audit,
    gui,
    headless,
    keys,
    orders,
    panic,
    record,
    replay,
    resume,
    scan,
    selftest,
    status,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="arbdesk",
        description="ArbDesk: a terminal for crypto arbitrage and spread trading. "
        "Paper trading on a simulated market or on recorded real data by default.",
    )
    parser.add_argument("--version", action="version", version=f"arbdesk {__version__}")
    gui.add_arguments(parser)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    headless.add_parser(sub)
    replay.add_parser(sub)
    record.add_parser(sub)
    scan.add_parser(sub)
    panic.add_parser(sub)
    resume.add_parser(sub)
    status.add_parser(sub)
    audit.add_parser(sub)
    orders.add_parser(sub)
    keys.add_parser(sub)
    alerts.add_parser(sub)
    selftest.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        return gui.main(args)  # plain ``arbdesk``: the window
    try:
        code: int = func(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader went away (``arbdesk scan ... | head``): not an error of ours. Point stdout
        # at devnull so the interpreter's own flush at exit does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
