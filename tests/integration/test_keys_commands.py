"""The ``keys`` commands in-process, with scripted prompts and a stand-in key check (no network)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.cli import exit_codes, keys
from app.cli.main import build_parser
from app.cli.prompts import Prompter
from app.core.secrets import KeyMaterial
from app.venues.key_check import NO_IP_WARNING, WITHDRAWALS_WARNING, CheckProblem, KeyCheckReport

KEY = "InProcessKey-0123456789-L4ST"
SECRET = "InProcessSecret-abcdef-0000"
PASSPHRASE = "a vault passphrase"


class Script:
    """Answers prompts in order and remembers which were asked."""

    def __init__(self, *answers: str, interactive: bool = True) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []
        self.prompter = Prompter(secret=self._answer, line=self._answer, interactive=interactive)

    def _answer(self, prompt: str) -> str:
        self.asked.append(prompt)
        if not self.answers:
            raise EOFError
        return self.answers.pop(0)


class Checks:
    def __init__(self, report: dict[str, Any]) -> None:
        self.report = report
        self.calls: list[tuple[str, str, bool]] = []

    async def __call__(
        self, venue: str, account: str, material: KeyMaterial, **kw: Any
    ) -> KeyCheckReport:
        assert material.api_key.reveal() == KEY
        self.calls.append((venue, account, kw["sandbox"]))
        return KeyCheckReport(account, venue, kw["sandbox"], **self.report)


@pytest.fixture(autouse=True)
def vault_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ARBDESK_KEYRING", "vault")
    monkeypatch.delenv("ARBDESK_VAULT_PASSPHRASE", raising=False)
    yield
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_arbdesk", False):
            root.removeHandler(handler)
            handler.close()


def run(argv: list[str], script: Script) -> int:
    args = build_parser().parse_args(["keys", *argv])
    command = getattr(keys, {"list": "list_accounts"}.get(argv[0], argv[0]))
    return keys.main(args, command, script.prompter)


def add_main(monkeypatch: pytest.MonkeyPatch, report: dict[str, Any]) -> tuple[int, Checks]:
    checks = Checks(report)
    monkeypatch.setattr("app.engine.accounts.check_key", checks)
    script = Script(PASSPHRASE, PASSPHRASE, KEY, SECRET)
    code = run(["add", "--venue", "binance", "--label", "main", "--sandbox"], script)
    assert script.asked == [
        "New vault passphrase: ",
        "Repeat the passphrase: ",
        "API key: ",
        "API secret: ",
    ]
    return code, checks


def test_add_checks_the_key_and_shouts_warnings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    report = {
        "ok": True,
        "summary": "account 'main' on binance (sandbox): the key works (balances read)",
        "warnings": (WITHDRAWALS_WARNING, NO_IP_WARNING),
    }
    code, checks = add_main(monkeypatch, report)
    assert code == exit_codes.OK
    assert checks.calls == [("binance", "main", True)]
    out = capsys.readouterr()
    assert "the key works" in out.out
    assert "!!! WARNING: WITHDRAWALS ARE ENABLED" in out.err
    assert "NO IP RESTRICTION" in out.err
    assert "saved" in out.err
    assert KEY not in out.out + out.err


def test_a_refused_key_is_not_saved(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    report = {
        "ok": False,
        "summary": "account 'main' on binance: binance refused the key. Check the API key",
        "problem": CheckProblem.AUTHENTICATION,
    }
    code, _ = add_main(monkeypatch, report)
    assert code == exit_codes.KEY_CHECK_FAILED
    err = capsys.readouterr().err
    assert "nothing was saved" in err and "--no-check" in err
    monkeypatch.setenv("ARBDESK_VAULT_PASSPHRASE", PASSPHRASE)
    assert run(["list", "--json"], Script()) == exit_codes.OK
    assert capsys.readouterr().out.strip() == "[]"


def test_test_command_reports_and_sets_the_exit_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ok = {"ok": True, "summary": "works"}
    assert add_main(monkeypatch, ok)[0] == exit_codes.OK
    assert run(["test", "main"], Script(PASSPHRASE)) == exit_codes.OK
    failing = Checks({"ok": False, "summary": "could not reach", "problem": CheckProblem.NETWORK})
    monkeypatch.setattr("app.engine.accounts.check_key", failing)
    capsys.readouterr()
    assert run(["test", "main"], Script(PASSPHRASE)) == exit_codes.KEY_CHECK_FAILED
    assert "could not reach" in capsys.readouterr().out
    assert run(["test", "other"], Script()) == exit_codes.NO_ACCOUNT


def test_list_without_a_terminal_shows_locked_keys(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add_main(monkeypatch, {"ok": True, "summary": "works"})
    capsys.readouterr()
    assert run(["list"], Script(interactive=False)) == exit_codes.OK
    out = capsys.readouterr().out
    assert "main" in out and "locked" in out and KEY[-4:] not in out
    assert run(["list"], Script(PASSPHRASE)) == exit_codes.OK
    out = capsys.readouterr().out
    assert "…L4ST" in out and KEY not in out


def test_remove_needs_a_confirmation_or_yes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add_main(monkeypatch, {"ok": True, "summary": "works"})
    assert run(["remove", "main"], Script(interactive=False)) == exit_codes.ABORTED
    assert "--yes" in capsys.readouterr().err
    assert run(["remove", "main", "--yes"], Script(PASSPHRASE)) == exit_codes.OK
    assert run(["test", "main"], Script()) == exit_codes.NO_ACCOUNT


def test_paper_and_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    script = Script()
    assert run(["add", "--venue", "paper", "--label", "sim"], script) == exit_codes.OK
    assert script.asked == []  # paper accounts have no keys
    assert run(["add", "--venue", "paper", "--label", "sim"], Script()) == exit_codes.USAGE
    assert "already exists" in capsys.readouterr().err
    assert run(["add", "--venue", "nosuch", "--label", "x"], Script()) == exit_codes.USAGE
    assert run(["add", "--venue", "kraken", "--label", "k", "--sandbox"], Script()) == 2
    assert "kraken has no sandbox" in capsys.readouterr().err
    bad = ["add", "--venue", "binance", "--label", "b", "--instruments", "BTCUSDT"]
    assert run(bad, Script()) == exit_codes.USAGE


def test_wrong_passphrase_and_abort(monkeypatch: pytest.MonkeyPatch, arbdesk_home: Path) -> None:
    add_main(monkeypatch, {"ok": True, "summary": "works"})
    assert run(["test", "main"], Script("x" * 9, "y" * 9, "z" * 9)) == exit_codes.CREDENTIALS
    assert run(["test", "main"], Script()) == exit_codes.ABORTED  # end of input at the prompt


def test_bad_backend_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARBDESK_KEYRING", "plaintext")
    assert run(["list"], Script()) == exit_codes.CREDENTIALS
    monkeypatch.setenv("ARBDESK_KEYRING", "keyring")  # the machine's keyring is not secure
    assert run(["list"], Script()) == exit_codes.CREDENTIALS


def test_passphrase_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["passphrase"], Script()) == exit_codes.CREDENTIALS  # no vault yet
    run(
        ["add", "--venue", "binance", "--label", "m", "--no-check"],
        Script(PASSPHRASE, PASSPHRASE, KEY, SECRET),
    )
    wrong = Script("not it at all", "new passphrase!", "new passphrase!")
    assert run(["passphrase"], wrong) == exit_codes.CREDENTIALS
    assert "unchanged" in capsys.readouterr().err
    good = Script(PASSPHRASE, "new passphrase!", "new passphrase!")
    assert run(["passphrase"], good) == exit_codes.OK
    assert run(["test", "m"], Script(PASSPHRASE, PASSPHRASE, PASSPHRASE)) == 6
