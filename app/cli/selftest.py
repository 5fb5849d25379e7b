"""``arbdesk selftest``: does this installation work? Also, and above all, the packaged one.

Five steps, each timed, each independent (one failing does not stop the others):

1. ``imports``     every module of the app, and the libraries it loads by name at run time
                   (Qt, pyqtgraph, ccxt and ccxt.pro, SQLAlchemy's SQLite dialect, keyring's
                   backends, TLS certificates): what a frozen build most often leaves out;
2. ``engine``      the engine for 1.5 seconds on the simulated market: quotes from every venue,
                   reconciliation passed (trading ACTIVE), rows stored, no handler errors;
3. ``migrations``  Alembic's migrations applied to a new store: at head, every table there;
4. ``credentials`` a round trip through a new encrypted vault: keys in, read back with the
                   passphrase from a fresh instance, a wrong passphrase refused, no plaintext
                   on disk, then deleted;
5. ``window``      the main window opened offscreen (whatever the display), the engine under it,
                   and one frame rendered: a picture with content, not a blank.

Nothing touches the user's data: ``ARBDESK_HOME`` points into a new temporary folder for the
whole run, which is removed at the end, or kept (and named) when a step failed or ``--keep``
was given. ``--workdir`` chooses that folder instead. The vault uses cheap scrypt settings,
passed explicitly: the selftest checks that the cipher and the file format work, not the cost.

Exit code 0 only when every step passed, 1 otherwise. ``--json`` ends the output with one JSON
object (``ok``, ``version``, ``frozen``, ``seconds``, ``steps``: name, ok, detail, seconds).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NoReturn

from app import __version__
from app.cli import exit_codes

log = logging.getLogger(__name__)

ENGINE_SECONDS = 1.5
ENGINE_TIMEOUT_S = 20.0
WINDOW_SETTLE_S = 0.2
WINDOW_TIMEOUT_S = 30.0
# A smoke test must end: past this, the run reports the step it is stuck in and exits with 1.
WATCHDOG_S = 120.0
# Loaded by name at run time, so a frozen build can miss them while the app's own imports work.
LIBRARIES = (
    "PySide6.QtCore",
    "PySide6.QtGui",
    "PySide6.QtWidgets",
    "PySide6.QtSvg",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "pyqtgraph",
    "qasync",
    "numpy",
    "ccxt",
    "ccxt.async_support",
    "ccxt.pro",
    "aiohttp",
    "sqlalchemy",
    "sqlalchemy.dialects.sqlite.pysqlite",
    "sqlite3",
    "alembic",
    "alembic.op",
    "keyring",
    "cryptography.hazmat.primitives.ciphers.aead",
    "cryptography.hazmat.primitives.kdf.scrypt",
    "pydantic",
    "platformdirs",
    "tomli_w",
    "certifi",
)
# Loaded by Alembic from files, with its context set up: importing them here would fail.
NOT_IMPORTED = ("app.__main__", "app.store.migrations")


class StepFailed(Exception):
    """A step's check did not hold; the message says which, for the user."""


@dataclass(frozen=True, slots=True)
class StepResult:
    name: str
    ok: bool
    detail: str
    seconds: float


@dataclass(frozen=True, slots=True)
class Workspace:
    root: Path

    @property
    def home(self) -> Path:
        return self.root / "home"

    def folder(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path


Step = Callable[[Workspace], str]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "selftest",
        help="check that this installation works: imports, engine, store, vault, window",
        description="Smoke test of this installation, also of the packaged app. Uses a new "
        "temporary folder, never your own data. Exit code 0 only when every step passed.",
    )
    p.add_argument("--json", action="store_true", help="end with the report as one JSON line")
    p.add_argument(
        "--workdir",
        help="folder for the run's temporary files (created; default: a new temporary folder)",
    )
    p.add_argument("--keep", action="store_true", help="keep the temporary files and say where")
    p.add_argument("-v", "--verbose", action="store_true", help="log to stderr while running")
    p.set_defaults(func=main_and_exit)


# -- the steps ---------------------------------------------------------------------------------


def step_imports(_ws: Workspace) -> str:
    import importlib
    import pkgutil

    import app

    failures: list[str] = []
    names = [
        info.name
        for info in pkgutil.walk_packages(app.__path__, "app.", onerror=failures.append)
        if not info.name.startswith(NOT_IMPORTED)
    ]
    if len(names) < 20:
        failures.append(f"only {len(names)} modules of the app were found")
    for name in [*names, *LIBRARIES]:
        try:
            importlib.import_module(name)
        except Exception as exc:
            failures.append(f"{name}: {type(exc).__name__}: {exc}")
    failures.extend(_runtime_resources())
    if failures:
        shown = "; ".join(failures[:4]) + (
            f" (and {len(failures) - 4} more)" if failures[4:] else ""
        )
        raise StepFailed(f"{len(failures)} failed: {shown}")
    import ccxt

    return (
        f"{len(names)} app modules and {len(LIBRARIES)} libraries; "
        f"ccxt {ccxt.__version__} with {len(ccxt.exchanges)} exchanges"
    )


def _runtime_resources() -> list[str]:
    """What the libraries find by path or by metadata, not by import."""
    from importlib.metadata import entry_points

    import certifi

    from app.resources import resource_path

    problems = []
    if not entry_points(group="keyring.backends"):
        problems.append("keyring: no backends registered (its metadata is missing)")
    if not Path(certifi.where()).is_file():
        problems.append(f"certifi: no CA bundle at {certifi.where()}")
    for part in ("default_settings.toml", "icons/arbdesk.png"):
        if not resource_path(*part.split("/")).is_file():
            problems.append(f"resources: {resource_path(*part.split('/'))} is missing")
    return problems


def step_engine(_ws: Workspace) -> str:
    import asyncio

    from app.engine.engine import Engine
    from app.runtime.settings_loader import load_settings

    settings = load_settings(None, {"market": {"source": "sim", "speed": 1.0}})
    engine = Engine(settings, duration_s=ENGINE_SECONDS)

    async def run() -> dict[str, Any]:
        await engine.start()
        try:
            if not await engine.wait_feed_done(ENGINE_TIMEOUT_S):
                raise StepFailed(f"the simulated market did not end within {ENGINE_TIMEOUT_S} s")
        finally:
            await engine.stop()
        return engine.summary()

    summary = asyncio.run(run())
    per_venue: dict[str, int] = summary["quotes_per_venue"]
    silent = [venue for venue in settings.sim.venues if not per_venue.get(venue)]
    problems = []
    if silent:
        problems.append(f"no quotes from {', '.join(silent)}")
    if summary["trading_state"] != "ACTIVE":
        problems.append(f"trading is {summary['trading_state']}, not ACTIVE")
    if summary["bus_handler_errors"]:
        problems.append(f"{summary['bus_handler_errors']} event handler errors")
    if not summary["store_rows_written"]:
        problems.append("nothing was written to the store")
    if problems:
        raise StepFailed("; ".join(problems))
    return (
        f"{summary['duration_s']:.1f} s on the simulated market: {summary['quotes_total']} quotes "
        f"from {len(per_venue)} venues, {summary['store_rows_written']} rows stored, trading "
        f"{summary['trading_state']}, loop lag p99 {summary['loop_lag_ms']['p99']:.1f} ms"
    )


def step_migrations(ws: Workspace) -> str:
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect

    from app.store.engine import create_store_engine, sqlite_url
    from app.store.migrate import alembic_config, current_revision, head_revision, migrate
    from app.store.schema import metadata

    url = sqlite_url(ws.folder("migrations") / "store.sqlite")
    revisions = list(ScriptDirectory.from_config(alembic_config()).walk_revisions())
    head = head_revision()
    migrate(url)
    migrate(url)  # a second run is a no-op
    at = current_revision(url)
    if at != head:
        raise StepFailed(f"the store is at revision {at}, not at head {head}")
    engine = create_store_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    missing = sorted(set(metadata.tables) - tables)
    if missing:
        raise StepFailed(f"tables missing after the migrations: {', '.join(missing)}")
    return f"{len(revisions)} revisions applied, at head {head}, {len(metadata.tables)} tables"


def step_credentials(ws: Workspace) -> str:
    import secrets

    from app.core.secrets import KeyMaterial, Secret
    from app.credentials.errors import WrongPassphrase
    from app.credentials.keychain import keychain_status
    from app.credentials.vault import Vault
    from app.credentials.vault_format import ScryptParams

    cheap = ScryptParams(log2_n=12)  # explicit: the round trip, not the cost, is under test
    path = ws.folder("credentials") / "vault.enc"
    passphrase = "selftest " + secrets.token_urlsafe(12)
    api_key, secret = secrets.token_hex(16), secrets.token_hex(24)
    keys = KeyMaterial(api_key=Secret(api_key), secret=Secret(secret), password=Secret("pass-1"))

    writer = Vault(path, kdf=cheap)
    writer.create(passphrase)
    writer.put("selftest", keys)
    reader = Vault(path, kdf=cheap)
    reader.unlock(passphrase)
    if reader.get("selftest") != keys:
        raise StepFailed("the keys read back differ from the keys stored")
    data = path.read_bytes()
    if api_key.encode() in data or secret.encode() in data:
        raise StepFailed("the vault file contains a key in plaintext")
    try:
        Vault(path, kdf=cheap).unlock(passphrase + "x")
    except WrongPassphrase:
        pass
    else:
        raise StepFailed("a wrong passphrase opened the vault")
    if not reader.delete("selftest") or writer.labels():
        raise StepFailed("the keys could not be deleted")
    try:
        status = keychain_status()
        keychain = f"keychain: {status.name} ({'secure' if status.secure else 'not secure'})"
    except Exception as exc:  # informative only: the vault is what is tested here
        keychain = f"keychain: not available ({type(exc).__name__})"
    return f"vault round trip ({len(data)} bytes, AES-256-GCM, scrypt); {keychain}"


def step_window(ws: Workspace) -> str:
    from app.ui.selftest_frame import render_frame  # Qt is loaded by this step only

    frame = render_frame(
        ws.folder("window") / "window.png", settle_s=WINDOW_SETTLE_S, timeout_s=WINDOW_TIMEOUT_S
    )
    if frame.width < 200 or frame.height < 200:
        raise StepFailed(f"the frame is empty ({frame.width} x {frame.height})")
    if frame.colours < 16:
        raise StepFailed(f"the frame is nearly blank: {frame.colours} colours")
    return (
        f"{frame.width} x {frame.height} frame with {frame.panels} panels, {frame.colours} "
        f"colours (Qt platform: {frame.platform})"
    )


STEPS: tuple[tuple[str, Step], ...] = (
    ("imports", step_imports),
    ("engine", step_engine),
    ("migrations", step_migrations),
    ("credentials", step_credentials),
    ("window", step_window),
)


# -- running and reporting ---------------------------------------------------------------------


_current_step = ""


def run_steps(
    ws: Workspace,
    *,
    verbose: bool = False,
    on_result: Callable[[StepResult], None] = lambda result: None,
) -> list[StepResult]:
    global _current_step
    results = []
    for name, step in STEPS:
        _current_step = name
        t0 = time.perf_counter()
        try:
            detail, ok = step(ws), True
        except Exception as exc:
            log.exception("selftest step %s failed", name)
            if verbose:
                traceback.print_exc()
            detail, ok = _failure(exc), False
        results.append(StepResult(name, ok, detail, round(time.perf_counter() - t0, 3)))
        on_result(results[-1])
    _current_step = ""
    return results


def _watchdog(seconds: float) -> threading.Timer:
    """Ends the process with exit code 1 if the run hangs (a deadlocked loop cannot time out)."""

    def give_up() -> None:
        print(
            f"  FAIL  {_current_step or 'selftest'}: still running after {seconds:.0f} s",
            flush=True,
        )
        print("selftest FAILED: it did not finish", flush=True)
        os._exit(exit_codes.FAILED)

    timer = threading.Timer(seconds, give_up)
    timer.daemon = True
    timer.start()
    return timer


def _failure(exc: BaseException) -> str:
    if isinstance(exc, StepFailed):
        return str(exc)
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else '(no message)'}"


@contextmanager
def _environment(home: Path) -> Iterator[None]:
    """``ARBDESK_HOME`` for the run, then as it was."""
    before = os.environ.get("ARBDESK_HOME")
    os.environ["ARBDESK_HOME"] = str(home)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("ARBDESK_HOME", None)
        else:
            os.environ["ARBDESK_HOME"] = before


def _workspace(workdir: str | None) -> tuple[Workspace, str]:
    """The run's folder; a problem creating it is reported, and the steps then fail on it."""
    if workdir is None:
        return Workspace(Path(tempfile.mkdtemp(prefix="arbdesk-selftest-"))), ""
    root = Path(workdir).expanduser().absolute()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return Workspace(root), f"cannot create {root}: {exc.strerror or exc}"
    return Workspace(root), ""


def where() -> str:
    if getattr(sys, "frozen", False):
        return f"packaged app in {Path(sys.executable).resolve().parent}"
    return f"from source, {Path(__file__).resolve().parents[2]}"


def main(args: argparse.Namespace) -> int:
    from app.runtime.logs import configure_logging

    t0 = time.perf_counter()
    ws, problem = _workspace(args.workdir)
    print(f"ArbDesk {__version__} selftest: {where()}", flush=True)
    print(f"Python {platform.python_version()} on {platform.system()} {platform.machine()}")
    print(f"temporary folder: {ws.root}" + (f" ({problem})" if problem else ""))
    watchdog = _watchdog(WATCHDOG_S)
    with _environment(ws.home):
        log_file = configure_logging("INFO", ws.home / "logs", console=args.verbose)
        results = run_steps(ws, verbose=args.verbose, on_result=_print_result)
    watchdog.cancel()
    ok = all(result.ok for result in results)
    total = time.perf_counter() - t0
    passed = sum(result.ok for result in results)
    verdict = "passed" if ok else "FAILED"
    print(f"selftest {verdict}: {passed} of {len(results)} steps in {total:.1f} s")
    _settle_logging()
    if ok and not args.keep and args.workdir is None:
        shutil.rmtree(ws.root, ignore_errors=True)
    elif not problem:
        print(f"files kept in {ws.root}" + (f" (log: {log_file})" if log_file else ""))
    if args.json:
        report = {
            "ok": ok,
            "version": __version__,
            "frozen": bool(getattr(sys, "frozen", False)),
            "seconds": round(total, 3),
            "steps": [asdict(result) for result in results],
        }
        print(json.dumps(report, sort_keys=True))
    return exit_codes.OK if ok else exit_codes.FAILED


def main_and_exit(args: argparse.Namespace) -> NoReturn:
    """``arbdesk selftest`` as a process: ``main``, then out at once. The imports step has loaded
    every module of the app and its libraries (some 1,900: Qt, ccxt, SQLAlchemy…), and Python
    takes seconds to tear them down, outside any step yet inside the run's time budget. By the
    end the report is printed and the temporary folder handled, so flushing is all that is left.
    (Safe for the one-folder build; a one-file build would leave its unpacked folder behind.)"""
    code = main(args)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _print_result(result: StepResult) -> None:
    mark = "PASS" if result.ok else "FAIL"
    width = max(len(name) for name, _ in STEPS)
    print(f"  {mark}  {result.name:<{width}}  {result.seconds:5.2f} s  {result.detail}", flush=True)


def _settle_logging() -> None:
    """Close the run's log file (it lives in the temporary folder about to be removed)."""
    for handler in list(logging.getLogger().handlers):
        if getattr(handler, "_arbdesk", False):
            handler.flush()
            if isinstance(handler, logging.FileHandler):
                logging.getLogger().removeHandler(handler)
                handler.close()
