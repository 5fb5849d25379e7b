"""``arbdesk resume``: the confirmation, and what it prints and returns for given outcomes."""

from __future__ import annotations

import argparse
import json
from typing import Any

import pytest

from app.cli import exit_codes, resume
from app.cli.main import build_parser
from app.cli.prompts import Prompter


def outcome(*unresolved: str, state: str = "ACTIVE") -> dict[str, Any]:
    ok = not unresolved
    return {
        "source": "offline",
        "resumed": ok and state == "ACTIVE",
        "trading_state": state,
        "problems": [f"sim-a: {u}" for u in unresolved],
        "venues": {
            "sim-a": {"ok": ok, "error": "", "unresolved": list(unresolved)},
            "sim-b": {"ok": True, "error": "", "unresolved": []},
        },
    }


def prompter(answer: str | BaseException, asked: list[str]) -> Prompter:
    def line(question: str) -> str:
        asked.append(question)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    return Prompter(line=line, interactive=True)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("y", True), ("YES", True), ("n", False), ("", False), (EOFError(), False)],
)
def test_the_terminal_is_asked(answer: str | BaseException, expected: bool) -> None:
    asked: list[str] = []
    assert resume.confirmed(prompter(answer, asked)) is expected
    assert asked == ["Resume trading? A fresh reconciliation runs first. [y/N] "]


def test_no_terminal_and_no_yes_refuses_without_asking(capsys: pytest.CaptureFixture[str]) -> None:
    asked: list[str] = []
    quiet = prompter("y", asked)
    quiet.interactive = False
    args = build_parser().parse_args(["resume"])
    assert resume.main(args, prompter=quiet) == exit_codes.COULD_NOT_RUN
    assert asked == []
    assert "--yes" in capsys.readouterr().err


def test_declined_does_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(yes=False, json=False, settings=None)
    assert resume.main(args, prompter=prompter("n", [])) == exit_codes.COULD_NOT_RUN
    assert "not resumed" in capsys.readouterr().err


def test_resumed_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert resume.print_report(outcome(), as_json=False) == exit_codes.RESUMED
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "Resumed by this shell: every venue agrees; trading is ACTIVE",
        "  sim-a: agrees",
        "  sim-b: agrees",
    ]


def test_refused_exits_1_and_lists_the_problems(capsys: pytest.CaptureFixture[str]) -> None:
    unresolved = "order X1 is OPEN in our journal but unknown to the venue"
    result = {**outcome(unresolved, state="HALTED"), "source": "instance", "pid": 42}
    assert resume.print_report(result, as_json=False) == exit_codes.REFUSED
    out = capsys.readouterr().out
    assert (
        "NOT RESUMED by the running instance (pid 42): the venues do not agree; trading is HALTED"
        in out
    )
    assert f"  sim-a: DOES NOT AGREE\n    {unresolved}" in out


def test_json_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert resume.print_report(outcome(), as_json=True) == exit_codes.RESUMED
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["resumed"] is True
