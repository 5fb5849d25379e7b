"""``arbdesk headless --market live`` as a user runs it, against the fake Binance in another
process (its standalone mode streaming a random walk): paper trading on live quotes, the JSON
summary, and no order reaching the exchange."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli import exit_codes
from tests.integration.test_cli_headless import arbdesk, last_json


@pytest.fixture
def fake_process() -> Iterator[dict[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_binance", "--rate", "200"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    try:
        assert proc.stdout is not None
        urls = json.loads(proc.stdout.readline())
        yield urls
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_headless_on_the_live_market_paper_trades_on_streamed_quotes(
    arbdesk_home: Path, tmp_path: Path, fake_process: dict[str, str]
) -> None:
    settings = tmp_path / "s.toml"
    settings.write_text(
        "[live.urls.binance]\n"
        f'rest = "{fake_process["rest_url"]}"\n'
        f'ws = "{fake_process["ws_url"]}"\n'
    )
    result = arbdesk(
        "headless", "--market", "live", "--settings", str(settings), "--duration", "3", "--json",
        home=arbdesk_home,
    )  # fmt: skip
    assert result.returncode == exit_codes.OK, result.stderr
    summary = last_json(result.stdout)
    assert summary["mode"] == "paper"
    per_venue = summary["quotes_per_venue"]
    assert isinstance(per_venue, dict) and per_venue.get("binance", 0) > 50
    assert summary["task_failures"] == 0


def test_an_exchange_that_does_not_answer_is_named_with_what_to_check(
    arbdesk_home: Path, tmp_path: Path
) -> None:
    settings = tmp_path / "s.toml"
    settings.write_text(
        '[live]\nload_timeout_s = 2\n[live.urls.binance]\nrest = "http://127.0.0.1:9"\n'
    )
    result = arbdesk("headless", "--market", "live", "--settings", str(settings), home=arbdesk_home)
    assert result.returncode == exit_codes.LIVE_SETUP, result.stderr
    assert "binance" in result.stderr and "markets not loaded" in result.stderr
