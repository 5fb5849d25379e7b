"""A bad row far into a recording, as a user meets it: the replay plays every quote before it,
prints its figures, then names the line and exits 4 (BAD_DATA)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

from app.cli import exit_codes

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "resources" / "sample_data" / "binance-2024-08-08-bbo-sample.csv.gz"
EXAMPLE = ROOT / "resources" / "examples" / "bots.toml"
GOOD_ROWS = 5_000  # past the rows checked when the feed is built


def late_bad_file(tmp_path: Path) -> Path:
    with gzip.open(SAMPLE, "rt") as src:
        lines = [next(src) for _ in range(GOOD_ROWS + 1)]  # the header and 5,000 rows
    path = tmp_path / "late-bad.csv.gz"
    path.write_bytes(gzip.compress(("".join(lines) + "not,a,row\n").encode()))
    return path


def arbdesk(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "ARBDESK_HOME": str(home)},
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_headless_plays_up_to_a_late_bad_row_then_names_it(tmp_path: Path) -> None:
    bad = late_bad_file(tmp_path)
    result = arbdesk(
        "headless", "--market", "replay", "--file", str(bad), "--speed", "max", "--json",
        home=tmp_path / "home",
    )  # fmt: skip
    assert result.returncode == exit_codes.BAD_DATA, result.stderr
    assert f"{bad}: line {GOOD_ROWS + 2}: expected 9 columns, found 3" in result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["quotes_total"] == GOOD_ROWS


def test_arbdesk_replay_reports_its_figures_then_the_late_bad_row(tmp_path: Path) -> None:
    bad = late_bad_file(tmp_path)
    result = arbdesk("replay", str(bad), "--bots", str(EXAMPLE), "--json", home=tmp_path / "h")
    assert result.returncode == exit_codes.BAD_DATA, result.stderr
    assert f"{bad}: line {GOOD_ROWS + 2}: expected 9 columns" in result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report  # the figures of the quotes before the bad row are printed
