"""Entry point of the ``arbdesk`` console script.

A shell command must start in a blink (``arbdesk panic`` is the kill switch), so only the module of
the command being run is imported: the others are listed by name and one-line help, which is all
``arbdesk --help`` shows of them anyway. The command is found by the same top-level parser first,
so an option's value that happens to be a command's name is never taken for one.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Collection, Sequence
from typing import NamedTuple

from app import __version__
from app.cli import gui


class Command(NamedTuple):  # not a dataclass: ``dataclasses`` alone would add ~10 ms to start-up
    """Where a subcommand lives, and its help line for the bare entry (the same as its module's:
    a test holds them equal)."""

    module: str
    help: str


#: Every subcommand, in the order ``arbdesk --help`` lists them. Modules are imported by name
#: (PyInstaller bundles them all: ``build.spec`` collects every ``app`` submodule).
COMMANDS: dict[str, Command] = {
    "headless": Command("app.cli.headless", "run the engine without a window"),
    "replay": Command(
        "app.cli.replay", "bots over a recorded file on the real engine, deterministic; a report"
    ),
    "record": Command("app.cli.record", "live quotes to a replay file"),
    "scan": Command("app.cli.scan", "find opportunities in one market snapshot (JSON)"),
    "panic": Command("app.cli.panic", "halt trading and cancel every open order (the kill switch)"),
    "resume": Command(
        "app.cli.resume", "leave HALTED: reconcile with every venue, resume only if they agree"
    ),
    "status": Command("app.cli.status", "trading state, open orders and positions"),
    "audit": Command("app.cli.audit", "the audit log of every order action, halt and reset"),
    "orders": Command("app.cli.orders", "the order journal: one order's history"),
    "keys": Command("app.cli.keys", "exchange accounts and their API keys"),
    "alerts": Command("app.cli.alerts", "alert channels (webhook, Telegram, Lark, DingTalk)"),
    "selftest": Command(
        "app.cli.selftest",
        "check that this installation works: imports, engine, store, vault, window",
    ),
}


def build_parser(full: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The ``arbdesk`` parser. ``full`` names the commands that get their own options (their
    modules are imported); the others get a bare entry. ``None``: every command in full."""
    parser = argparse.ArgumentParser(
        prog="arbdesk",
        description="ArbDesk: a terminal for crypto arbitrage and spread trading. "
        "Paper trading on a simulated market or on recorded real data by default.",
    )
    parser.add_argument("--version", action="version", version=f"arbdesk {__version__}")
    gui.add_arguments(parser)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", dest="command")
    for name, command in COMMANDS.items():
        if full is None or name in full:
            add_parser: Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]
            add_parser = importlib.import_module(command.module).add_parser
            add_parser(sub)
        else:
            # no help of its own: ``arbdesk CMD --help`` is answered by the full entry
            sub.add_parser(name, help=command.help, add_help=False)
    return parser


def command_in(argv: Sequence[str]) -> str | None:
    """The command ``argv`` runs (None: the window). Read by the top-level parser with bare
    entries, so ``--help`` and ``--version`` are answered here, before any command's import."""
    known, _rest = build_parser(full=()).parse_known_args(argv)
    command: str | None = known.command
    return command


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = command_in(argv)
    parser = build_parser(full=() if command is None else (command,))
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
