"""``arbdesk panic``, ``status`` and ``audit verify`` as a user runs them: subprocesses, against a
running ``arbdesk headless`` and with nothing running."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from control_seed import write_settings

from app.cli import exit_codes

REPO = Path(__file__).resolve().parents[2]
SEED = Path(__file__).with_name("control_seed.py")


def env(home: Path) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "ARBDESK_HOME": str(home), "PYTHONPATH": path}


def run(*args: str, home: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env(home),
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def arbdesk(*args: str, home: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return run("-m", "app", *args, home=home, timeout=timeout)


def as_json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    lines = result.stdout.strip().splitlines()
    assert lines, f"no output; stderr: {result.stderr}"
    data = json.loads(lines[-1])
    assert isinstance(data, dict)
    return data


def seed(home: Path, per_venue: int) -> list[str]:
    """Resting orders on the paper venues, placed by an engine that then stops."""
    write_settings(home)
    result = run(str(SEED), str(per_venue), home=home)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def open_orders(status: dict[str, Any]) -> list[str]:
    return sorted(o["client_order_id"] for v in status["open_orders"].values() for o in v)


@pytest.fixture
def seeded(arbdesk_home: Path) -> list[str]:
    """Six resting orders (two per venue), placed before any instance starts."""
    ids = seed(arbdesk_home, per_venue=2)
    assert len(ids) == 6
    return ids


@pytest.fixture
def headless(arbdesk_home: Path, seeded: list[str]) -> Iterator[subprocess.Popen[str]]:
    """``arbdesk headless --market sim`` started after the seeding, its channel open."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "headless", "--market", "sim", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env(arbdesk_home),
        cwd=REPO,
    )
    endpoint = arbdesk_home / "run" / "control.json"
    try:
        deadline = time.monotonic() + 30
        while not endpoint.exists():
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "no control.json within 30 s"
            time.sleep(0.1)
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def test_panic_asks_the_running_instance(
    arbdesk_home: Path, seeded: list[str], headless: subprocess.Popen[str]
) -> None:
    token = json.loads((arbdesk_home / "run" / "control.json").read_text())["token"]
    status = as_json(arbdesk("status", "--json", home=arbdesk_home))
    assert status["source"] == "instance" and status["pid"] == headless.pid
    assert open_orders(status) == sorted(seeded)  # found when it reconciled at start

    result = arbdesk("panic", "--json", home=arbdesk_home)
    assert result.returncode == exit_codes.CLEAN, result.stderr
    report = as_json(result)
    assert report["source"] == "instance" and report["pid"] == headless.pid
    assert report["clean"] is True and report["canceled"] == 6
    assert report["trading_state"] == "HALTED"

    after = as_json(arbdesk("status", "--json", home=arbdesk_home))
    assert after["source"] == "instance"
    assert after["trading_state"] == "HALTED" and open_orders(after) == []

    headless.terminate()
    out, err = headless.communicate(timeout=30)
    assert headless.returncode == exit_codes.OK, err
    assert json.loads(out.strip().splitlines()[-1])["trading_state"] == "HALTED"
    assert not (arbdesk_home / "run" / "control.json").exists()
    log = (arbdesk_home / "logs" / "arbdesk.log").read_text()
    assert "control channel on 127.0.0.1:" in log
    assert token not in log


def test_panic_with_no_instance_does_it_itself_and_stays_halted(
    arbdesk_home: Path, seeded: list[str]
) -> None:
    result = arbdesk("panic", "--json", "--reason", "drill", home=arbdesk_home)
    assert result.returncode == exit_codes.CLEAN, result.stderr
    assert "no running instance" in result.stderr
    report = as_json(result)
    assert report["source"] == "offline" and report["clean"] is True
    assert report["canceled"] == 6 and report["trading_state"] == "HALTED"
    assert report["reason"] == "drill (no running instance)"

    status = as_json(arbdesk("status", "--json", home=arbdesk_home))
    assert status["source"] == "store"
    assert status["trading_state"] == "HALTED" and open_orders(status) == []

    # the next start stays halted
    args = ("headless", "--market", "sim", "--speed", "max", "--duration", "5", "--json")
    restart = arbdesk(*args, home=arbdesk_home)
    assert restart.returncode == exit_codes.OK, restart.stderr
    assert as_json(restart)["trading_state"] == "HALTED"

    text = arbdesk("status", home=arbdesk_home)
    assert "source: the store" in text.stdout and "trading state: HALTED" in text.stdout


def test_panic_that_cannot_run_exits_2(arbdesk_home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[market]\nspeed = -1\n")
    result = arbdesk("panic", "--settings", str(bad), home=arbdesk_home)
    assert result.returncode == exit_codes.COULD_NOT_RUN
    assert "market.speed" in result.stderr


def test_audit_verify_names_the_first_tampered_entry(arbdesk_home: Path, seeded: list[str]) -> None:
    clean = arbdesk("audit", "verify", "--json", home=arbdesk_home)
    assert clean.returncode == exit_codes.CLEAN, clean.stderr
    checked = as_json(clean)
    assert checked["ok"] is True and checked["entries"] >= 6  # six submits at least

    with sqlite3.connect(arbdesk_home / "data" / "arbdesk.sqlite") as db:
        victim = db.execute("SELECT id FROM audit_log ORDER BY id LIMIT 1 OFFSET 2").fetchone()[0]
        db.execute("UPDATE audit_log SET actor = 'mallory' WHERE id = ?", (victim,))
    broken = arbdesk("audit", "verify", home=arbdesk_home)
    assert broken.returncode == exit_codes.NOT_CLEAN
    assert f"entry id {victim}" in broken.stdout
    as_json_broken = as_json(arbdesk("audit", "verify", "--json", home=arbdesk_home))
    assert as_json_broken["first_broken_id"] == victim
    assert as_json_broken["problem"] == "its content does not match its hash"


def test_audit_verify_and_status_without_records_exit_2(arbdesk_home: Path) -> None:
    for args in (("audit", "verify"), ("status",)):
        result = arbdesk(*args, home=arbdesk_home)
        assert result.returncode == exit_codes.COULD_NOT_RUN
        assert "no database" in result.stderr
    assert not (arbdesk_home / "data" / "arbdesk.sqlite").exists()
