"""Plain ``arbdesk`` opens the window on paper/sim; ``--market replay`` on the bundled data."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from app.cli import main as cli
from app.runtime.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Settings, dict[str, Any]]]:
    calls: list[tuple[Settings, dict[str, Any]]] = []

    def fake_run(settings: Settings, **kwargs: Any) -> int:
        calls.append((settings, kwargs))
        return 0

    monkeypatch.setattr("app.ui.app.run", fake_run)
    monkeypatch.setattr("app.runtime.logs.configure_logging", lambda *a, **k: None)
    return calls


def test_plain_arbdesk_opens_the_window_paper_on_the_simulated_market(
    opened: list[tuple[Settings, dict[str, Any]]],
) -> None:
    assert cli.main([]) == 0
    settings, kwargs = opened[0]
    assert settings.mode == "paper"
    assert settings.market.source == "sim"
    assert kwargs["replay_file"] is None


def test_market_replay_opens_the_window_on_the_bundled_data(
    opened: list[tuple[Settings, dict[str, Any]]],
) -> None:
    assert cli.main(["--market", "replay", "--speed", "max"]) == 0
    settings, _ = opened[0]
    assert settings.market.source == "replay"
    assert settings.market.speed == "max"


def test_file_without_replay_is_a_usage_error(
    opened: list[tuple[Settings, dict[str, Any]]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--file", "x.csv"]) == 2
    assert "--file needs --market replay" in capsys.readouterr().err
    assert opened == []


def test_subcommands_keep_their_own_options(
    opened: list[tuple[Settings, dict[str, Any]]],
) -> None:
    args = cli.build_parser().parse_args(["headless", "--market", "replay"])
    assert args.market == "replay" and args.gui_market is None


@pytest.mark.slow
def test_the_window_runs_on_replay_data_and_exits_cleanly(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ARBDESK_HOME": str(tmp_path)}
    t0 = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "app", "--market", "replay", "--exit-after", "3"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert time.monotonic() - t0 < 30
    log = (tmp_path / "logs" / "arbdesk.log").read_text()
    assert "engine started: replay market" in log
    assert "window closed" in log and "engine stopped" in log
