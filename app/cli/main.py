"""Entry point of the ``arbdesk`` console script."""

from __future__ import annotations

import argparse
import sys

from app import __version__
from app.cli import headless


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="arbdesk",
        description="ArbDesk: a terminal for crypto arbitrage and spread trading. "
        "Paper trading on a simulated market or on recorded real data by default.",
    )
    parser.add_argument("--version", action="version", version=f"arbdesk {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    headless.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        # Until the window exists, plain ``arbdesk`` explains itself.
        parser.print_help()
        return 0
    code: int = func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
