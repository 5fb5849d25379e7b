"""``arbdesk selftest`` as a user (and CI, on the packaged app) runs it: a subprocess, its report
and its exit code; and how one failing step is reported without stopping the others."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.cli import exit_codes, selftest

STEP_NAMES = ["imports", "engine", "migrations", "credentials", "window"]
pytestmark = pytest.mark.slow


def arbdesk(*args: str, home: Path, timeout: float = 150) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ARBDESK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def report_of(stdout: str) -> dict[str, Any]:
    data = json.loads(stdout.strip().splitlines()[-1])
    assert isinstance(data, dict)
    return data


def step_lines(stdout: str) -> dict[str, str]:
    """step name -> its report line (``PASS``/``FAIL``, time, detail)."""
    out = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("PASS", "FAIL") and parts[1] in STEP_NAMES:
            out[parts[1]] = line
    return out


def temporary_folder(stdout: str) -> Path:
    for line in stdout.splitlines():
        if line.startswith("temporary folder: "):
            return Path(line.removeprefix("temporary folder: ").split(" (")[0])
    raise AssertionError("the report names no temporary folder")


def test_selftest_passes_reports_every_step_and_leaves_no_trace(arbdesk_home: Path) -> None:
    result = arbdesk("selftest", "--json", home=arbdesk_home)

    assert result.returncode == exit_codes.OK, result.stdout + result.stderr
    lines = step_lines(result.stdout)
    assert list(lines) == STEP_NAMES
    assert all(line.split()[0] == "PASS" for line in lines.values()), lines
    assert "selftest passed: 5 of 5 steps" in result.stdout
    assert "quotes from 3 venues" in lines["engine"]
    assert "trading ACTIVE" in lines["engine"]
    assert "at head" in lines["migrations"]
    assert "vault round trip" in lines["credentials"]
    assert "panels" in lines["window"]
    report = report_of(result.stdout)
    assert report["ok"] is True
    assert report["frozen"] is False
    steps = report["steps"]
    assert isinstance(steps, list)
    assert [step["name"] for step in steps] == STEP_NAMES
    assert all(step["ok"] and step["seconds"] > 0 for step in steps)
    # the user's own folder (here the test's ARBDESK_HOME) is untouched; the run's is removed
    assert list(arbdesk_home.iterdir()) == []
    assert not temporary_folder(result.stdout).exists()


def test_a_failing_step_makes_the_exit_code_non_zero(arbdesk_home: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")  # nothing can be created under it, not even by root

    result = arbdesk("selftest", "--json", "--workdir", str(blocker / "run"), home=arbdesk_home)

    assert result.returncode == exit_codes.FAILED, result.stdout + result.stderr
    lines = step_lines(result.stdout)
    assert list(lines) == STEP_NAMES  # every step ran and was reported
    assert lines["imports"].split()[0] == "PASS"
    for name in ("engine", "migrations", "credentials"):
        assert lines[name].split()[0] == "FAIL", lines[name]
    assert "selftest FAILED" in result.stdout
    assert "cannot create" in result.stdout
    report = report_of(result.stdout)
    assert report["ok"] is False
    assert list(arbdesk_home.iterdir()) == []


def test_one_step_raising_is_reported_and_the_others_still_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    seen: list[str | None] = []

    def passes(ws: selftest.Workspace) -> str:
        seen.append(os.environ.get("ARBDESK_HOME"))
        return "fine"

    def breaks(ws: selftest.Workspace) -> str:
        raise RuntimeError("the disk is on fire\nsecond line")

    def refuses(ws: selftest.Workspace) -> str:
        raise selftest.StepFailed("trading is HALTED, not ACTIVE")

    monkeypatch.setattr(
        selftest, "STEPS", (("one", passes), ("two", breaks), ("three", refuses), ("four", passes))
    )
    monkeypatch.setenv("ARBDESK_HOME", "/the/users/own")
    args = argparse.Namespace(json=True, workdir=str(tmp_path / "run"), keep=False, verbose=False)

    code = selftest.main(args)

    out = capsys.readouterr().out
    assert code == exit_codes.FAILED
    assert seen == [str(tmp_path / "run" / "home")] * 2  # the run's own home, for every step
    assert os.environ["ARBDESK_HOME"] == "/the/users/own"  # and the caller's afterwards
    report = report_of(out)
    steps = {step["name"]: step for step in report["steps"]}
    assert [steps[n]["ok"] for n in ("one", "two", "three", "four")] == [True, False, False, True]
    assert steps["two"]["detail"] == "RuntimeError: the disk is on fire"
    assert steps["three"]["detail"] == "trading is HALTED, not ACTIVE"
    assert "selftest FAILED: 2 of 4 steps" in out
    assert f"files kept in {tmp_path / 'run'}" in out
