"""``arbdesk headless``: the engine with no window; a JSON summary when it ends.

It ends when the replay file ends, when ``--duration`` seconds of market time have passed, or on
Ctrl-C / SIGTERM, always through the engine's ordered shutdown.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
from typing import Any

from app.cli import exit_codes
from app.cli.feed_errors import replay_error
from app.control.server import ControlServer
from app.engine.engine import Engine
from app.engine.live_errors import LiveSetupError
from app.runtime import paths
from app.runtime.logs import configure_logging
from app.runtime.settings_loader import SettingsError, load_settings
from app.venues.replay_file import ReplayFileError

log = logging.getLogger(__name__)
MARKETS = ("sim", "replay", "live")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("headless", help="run the engine without a window")
    p.add_argument(
        "--market",
        choices=MARKETS,
        help="simulated market, recorded data, or live exchanges (paper unless mode = live)",
    )
    p.add_argument(
        "--live",
        action="store_true",
        help='confirm that mode = "live" trades real money (refused without it)',
    )
    p.add_argument("--file", help="recorded BBO file for --market replay (.csv or .csv.gz)")
    p.add_argument("--speed", type=_speed, help='market seconds per second, or "max"')
    p.add_argument("--duration", type=_positive, help="stop after S seconds of market time")
    p.add_argument("--seed", type=int, help="seed of the simulated market")
    p.add_argument("--settings", help="settings file instead of the platform's settings.toml")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON line")
    p.set_defaults(func=main)


def _speed(text: str) -> float | str:
    if text == "max":
        return "max"
    value = _positive(text)
    return value


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def overrides_from(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if args.market:
        out.setdefault("market", {})["source"] = args.market
    if args.speed is not None:
        out.setdefault("market", {})["speed"] = args.speed
    if args.seed is not None:
        out.setdefault("sim", {})["seed"] = args.seed
    return out


async def run(engine: Engine) -> dict[str, Any]:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await engine.start()
    control = ControlServer(engine)
    try:
        try:
            await control.start()
        except Exception:
            # the run goes on (SIGTERM still stops it); the log says why there is no channel
            log.exception("the control channel could not start")
        stopper = asyncio.create_task(stop.wait())
        feed = asyncio.create_task(engine.wait_feed_done())
        await asyncio.wait({stopper, feed}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        feed.cancel()
    finally:
        await control.close()
        await engine.stop()
    return engine.summary()


def main(args: argparse.Namespace) -> int:
    from pathlib import Path

    try:
        settings = load_settings(
            Path(args.settings) if args.settings else None, overrides_from(args)
        )
    except SettingsError as exc:
        print(f"arbdesk: {exc}", file=sys.stderr)
        return exit_codes.BAD_SETTINGS
    configure_logging(settings.logging.level, paths.log_dir(), console=not args.json)
    if args.file and settings.market.source != "replay":
        print("arbdesk: --file needs --market replay", file=sys.stderr)
        return exit_codes.USAGE
    if settings.mode == "live" and not args.live:
        print(
            'arbdesk: mode = "live" sends real orders with real money on '
            f"{', '.join(settings.live.accounts)}; run again with --live to confirm",
            file=sys.stderr,
        )
        return exit_codes.LIVE_NOT_CONFIRMED

    async def session() -> tuple[dict[str, Any], str]:
        engine = await Engine.create(settings, replay_file=args.file, duration_s=args.duration)
        return await run(engine), replay_error(engine)

    try:
        summary, data_error = asyncio.run(session())
    except ReplayFileError as exc:
        print(f"arbdesk: {exc}", file=sys.stderr)
        return exit_codes.BAD_DATA
    except LiveSetupError as exc:
        print(f"arbdesk: {exc}", file=sys.stderr)
        return exit_codes.LIVE_SETUP
    except KeyboardInterrupt:
        return exit_codes.FAILED
    except Exception as exc:
        log.exception("headless run failed")
        print(f"arbdesk: the run failed: {exc}", file=sys.stderr)
        return exit_codes.FAILED
    if args.json:
        print(json.dumps(summary, sort_keys=True))
    else:
        for key, value in summary.items():
            print(f"{key:>24}: {value}")
    if data_error:
        print(f"arbdesk: {data_error} (the replay stopped there)", file=sys.stderr)
        return exit_codes.BAD_DATA
    return exit_codes.OK
