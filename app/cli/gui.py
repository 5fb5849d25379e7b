"""Plain ``arbdesk``: the desktop terminal (paper trading on the simulated market by default).

``arbdesk --market replay`` opens it on the bundled real Binance data. The options sit on the main
parser (there is no ``gui`` subcommand), under their own ``dest`` names so a subcommand's options
of the same name never collide with them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from app.cli import exit_codes

MARKETS = ("sim", "replay", "live")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("the window (plain arbdesk)")
    group.add_argument(
        "--market",
        dest="gui_market",
        choices=MARKETS,
        help="simulated market, recorded data, or live exchanges (paper unless mode = live)",
    )
    group.add_argument(
        "--file", dest="gui_file", help="recorded BBO file for --market replay (.csv or .csv.gz)"
    )
    group.add_argument(
        "--speed", dest="gui_speed", type=_speed, help='market seconds per second, or "max"'
    )
    group.add_argument("--seed", dest="gui_seed", type=int, help="seed of the simulated market")
    group.add_argument(
        "--settings", dest="gui_settings", help="settings file instead of the platform's"
    )
    group.add_argument(
        "--exit-after", dest="gui_exit_after", type=_positive, help=argparse.SUPPRESS
    )


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def _speed(text: str) -> float | str:
    return "max" if text == "max" else _positive(text)


def overrides_from(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if getattr(args, "gui_market", None):
        out.setdefault("market", {})["source"] = args.gui_market
    if getattr(args, "gui_speed", None) is not None:
        out.setdefault("market", {})["speed"] = args.gui_speed
    if getattr(args, "gui_seed", None) is not None:
        out.setdefault("sim", {})["seed"] = args.gui_seed
    return out


def main(args: argparse.Namespace) -> int:
    # imported here: ``add_arguments`` runs for every command, and the shell ones must start fast
    from app.cli.display_check import display_problem
    from app.runtime import paths
    from app.runtime.logs import configure_logging
    from app.runtime.settings_loader import SettingsError, load_settings

    settings_file = getattr(args, "gui_settings", None)
    try:
        settings = load_settings(
            Path(settings_file) if settings_file else None, overrides_from(args)
        )
    except SettingsError as exc:
        print(f"arbdesk: {exc}", file=sys.stderr)
        return exit_codes.BAD_SETTINGS
    replay_file = getattr(args, "gui_file", None)
    if replay_file and settings.market.source != "replay":
        print("arbdesk: --file needs --market replay", file=sys.stderr)
        return exit_codes.USAGE
    configure_logging(settings.logging.level, paths.log_dir())
    problem = display_problem(os.environ)
    if problem is not None:
        print(f"arbdesk: the window cannot start: {problem}", file=sys.stderr)
        return exit_codes.FAILED
    try:
        from app.ui.app import run  # Qt is imported only when a window is wanted
    except ImportError as exc:
        print(f"arbdesk: the window cannot start: {exc}", file=sys.stderr)
        return exit_codes.FAILED
    from app.engine.live_errors import LiveSetupError
    from app.venues.replay_file import ReplayFileError

    try:
        return run(
            settings, replay_file=replay_file, exit_after=getattr(args, "gui_exit_after", None)
        )
    except ReplayFileError as exc:
        print(f"arbdesk: {exc}", file=sys.stderr)
        return exit_codes.BAD_DATA
    except LiveSetupError as exc:
        print(f"arbdesk: {exc}", file=sys.stderr)
        return exit_codes.LIVE_SETUP
    except KeyboardInterrupt:
        return exit_codes.FAILED
    except Exception as exc:
        import logging

        logging.getLogger(__name__).exception("the window failed")
        print(f"arbdesk: the window failed: {exc}", file=sys.stderr)
        return exit_codes.FAILED
