"""The shell commands import only what they need: ``arbdesk panic`` against a running instance
loads the control client, not the store, the window, the exchanges or the settings models, and
``arbdesk --version`` loads no command at all. (How fast that is: ``benchmarks/cli_start.py``.)

Each command runs in a fresh interpreter, which then lists what it imported; the instance is the
real control server over a stub engine, in this test's loop.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import pytest

from app import __version__
from app.cli import exit_codes
from app.cli.main import COMMANDS, build_parser, command_in, main
from app.control.server import ControlServer
from app.core.panic import PanicReport, VenuePanicResult
from app.core.trading_state import TradingState
from app.engine.engine import Engine

REPO = Path(__file__).resolve().parents[3]
HEAVY = ("sqlalchemy", "alembic", "PySide6", "pyqtgraph", "ccxt", "pydantic", "numpy")
# runs ``arbdesk ARGS`` as the console script does, then writes what it imported to FILE
PROBE = """\
import json, sys
from app.cli.main import main
try:
    code = main(sys.argv[2:])
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
with open(sys.argv[1], "w") as fh:
    json.dump({"code": code, "modules": sorted(sys.modules)}, fh)
"""


class StubEngine:
    def __init__(self) -> None:
        self.panics: list[tuple[str, bool, str]] = []
        self.trading_state = TradingState.ACTIVE

    async def panic(self, reason: str, flatten: bool = False, actor: str = "user") -> PanicReport:
        self.panics.append((reason, flatten, actor))
        self.trading_state = TradingState.HALTED
        return PanicReport(reason, actor, flatten, 0, 1.5, 0, (VenuePanicResult("sim-a", 2),))


@pytest.fixture
async def instance(arbdesk_home: Path) -> AsyncIterator[StubEngine]:
    engine = StubEngine()
    server = ControlServer(cast(Engine, engine))
    await server.start()
    yield engine
    await server.close()


def child_env(home: Path) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "ARBDESK_HOME": str(home), "PYTHONPATH": path}


def heavy_in(modules: list[str]) -> list[str]:
    return [
        m for m in modules if m.split(".")[0] in HEAVY or m.startswith(("app.engine", "app.store"))
    ]


async def test_panic_against_a_running_instance_loads_no_heavy_library(
    arbdesk_home: Path, instance: StubEngine, tmp_path: Path
) -> None:
    listing = tmp_path / "modules.json"
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        PROBE,
        str(listing),
        "panic",
        "--json",
        "--reason",
        "drill",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.DEVNULL,
        env=child_env(arbdesk_home),
        cwd=REPO,
    )
    out, err = await asyncio.wait_for(child.communicate(), 60)  # the loop serves it meanwhile
    assert child.returncode == 0, err.decode()
    report = json.loads(out.decode().strip().splitlines()[-1])
    assert report["source"] == "instance" and report["pid"] == os.getpid()
    assert report["canceled"] == 2 and report["trading_state"] == "HALTED"
    assert instance.panics == [("drill", False, "cli")]

    probe: dict[str, Any] = json.loads(listing.read_text())
    assert probe["code"] == exit_codes.CLEAN
    modules: list[str] = probe["modules"]
    assert heavy_in(modules) == []
    assert "app.control.offline" not in modules and "app.runtime.settings" not in modules
    assert "asyncio" not in modules  # asking an instance needs no event loop


def test_version_prints_it_and_loads_no_command(arbdesk_home: Path, tmp_path: Path) -> None:
    listing = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(listing), "--version"],
        capture_output=True,
        text=True,
        env=child_env(arbdesk_home),
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    assert done.stdout == f"arbdesk {__version__}\n", done.stderr
    probe: dict[str, Any] = json.loads(listing.read_text())
    assert probe["code"] == 0
    modules: list[str] = probe["modules"]
    assert heavy_in(modules) == []
    assert [m for m in modules if m in {c.module for c in COMMANDS.values()}] == []


def test_help_lists_every_command_as_their_modules_describe_them() -> None:
    bare = build_parser(full=()).format_help()
    assert bare == build_parser().format_help()  # the table's help lines are the modules' own
    for name in COMMANDS:
        assert f"    {name} " in bare


def test_a_command_help_is_its_full_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["panic", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: arbdesk panic") and "--flatten" in out and "--reason" in out


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        ([], None),
        (["--market", "replay", "--speed", "max"], None),
        (["panic", "--json"], "panic"),
        (["--settings", "panic", "status", "--json"], "status"),  # a value, then the command
        (["keys", "list"], "keys"),
        (["scan", "markets.json", "--kind", "triangular"], "scan"),
        (["orders", "show", "--help"], "orders"),
    ],
)
def test_the_command_is_read_as_the_parser_reads_it(argv: list[str], command: str | None) -> None:
    assert command_in(argv) == command


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["explode"])
    assert exited.value.code == exit_codes.USAGE
    assert "invalid choice: 'explode'" in capsys.readouterr().err
