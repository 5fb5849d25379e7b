"""``arbdesk keys`` as a user runs it: in a pseudo-terminal, answering prompts that must not echo.

The machine's keyring is ``fail``, so ``ARBDESK_KEYRING=vault`` forces the vault (as it would be
chosen anyway) and every test gets its own ``ARBDESK_HOME``.
"""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.cli import exit_codes

if sys.platform == "win32":  # pragma: no cover
    pytest.skip("pseudo-terminals are POSIX", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
KEY = "CliApiKey-0123456789-LAST"
SECRET = "CliSecret-abcdefghij-0000"
PASSPHRASE = "a vault passphrase"


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARBDESK_")}
    env.update(ARBDESK_HOME=str(home), ARBDESK_KEYRING="vault", PYTHONPATH=str(ROOT), **extra)
    return env


class Terminal:
    """``python -m app ARGS`` on a pseudo-terminal that is its controlling terminal."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become arbdesk, started as a shell starts it
            # a fork inherits the test process's blocked and ignored signals across exec; a
            # shell's child gets none, and Ctrl-C must reach arbdesk as it would there
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.chdir(ROOT)
            os.execve(sys.executable, [sys.executable, "-m", "app", *args], env)
        self.output = b""
        self.cursor = 0

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            return False
        self.output += chunk
        return bool(chunk)

    def expect(self, text: str, timeout: float = 60) -> None:
        """Wait for ``text`` after what was matched so far."""
        deadline = time.monotonic() + timeout
        while (found := self.output.find(text.encode(), self.cursor)) < 0:
            if time.monotonic() > deadline or not self._read(0.2):
                raise AssertionError(f"no {text!r} in {self.text()!r}")
        self.cursor = found + len(text.encode())

    def answer(self, prompt: str, reply: str) -> None:
        self.expect(prompt)
        os.write(self.fd, reply.encode() + b"\n")

    def finish(self, timeout: float = 60) -> int:
        """Read to the end and return the exit code; a child still running is killed."""
        deadline = time.monotonic() + timeout
        while self._read(0.2):
            if time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
                raise AssertionError(f"arbdesk did not end: {self.text()!r}")
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)

    def text(self) -> str:
        return self.output.decode(errors="replace")


def arbdesk(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env_for(home, **env),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def add_main(home: Path) -> Terminal:
    t = Terminal(
        ["keys", "add", "--venue", "binance", "--label", "main", "--no-check"], env_for(home)
    )
    t.answer("New vault passphrase: ", PASSPHRASE)
    t.answer("Repeat the passphrase: ", PASSPHRASE)
    t.answer("API key: ", KEY)
    t.answer("API secret: ", SECRET)
    return t


def listed(home: Path, passphrase: str = PASSPHRASE) -> list[dict[str, object]]:
    result = arbdesk(home, "keys", "list", "--json", ARBDESK_VAULT_PASSPHRASE=passphrase)
    assert result.returncode == exit_codes.OK, result.stderr
    assert "unattended server" in result.stderr  # the environment passphrase warns
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert isinstance(data, list)
    return data


def test_keys_add_in_a_terminal_creates_the_vault_and_never_echoes(arbdesk_home: Path) -> None:
    t = add_main(arbdesk_home)
    code = t.finish()
    out = t.text()
    assert code == exit_codes.OK, out
    assert "encrypted vault" in out and "saved" in out
    for secret in (KEY, SECRET, PASSPHRASE):
        assert secret not in out  # typed with echo off
    vault = arbdesk_home / "data" / "vault.enc"
    assert vault.exists() and (vault.stat().st_mode & 0o077) == 0
    accounts = listed(arbdesk_home)
    assert accounts == [
        {
            "label": "main",
            "venue": "binance",
            "mode": "live",
            "sandbox": False,
            "market_type": "spot",
            "default_instruments": [],
            "keys": "stored",
            "key": "…LAST",
        }
    ]
    # no secret in any file but the vault: store, WAL, logs
    for path in arbdesk_home.rglob("*"):
        if path.is_file() and not path.name.startswith("vault."):
            data = path.read_bytes()
            for secret in (KEY, SECRET, PASSPHRASE):
                assert secret.encode() not in data, f"{secret} in {path}"


def test_mismatched_new_passphrases_are_asked_again(arbdesk_home: Path) -> None:
    t = Terminal(
        ["keys", "add", "--venue", "okx", "--label", "o", "--no-check"], env_for(arbdesk_home)
    )
    t.answer("New vault passphrase: ", PASSPHRASE)
    t.answer("Repeat the passphrase: ", "something else")
    t.expect("differ; try again")
    t.answer("New vault passphrase: ", "short")
    t.answer("Repeat the passphrase: ", "short")
    t.expect("at least 8 characters")
    t.answer("New vault passphrase: ", PASSPHRASE)
    t.answer("Repeat the passphrase: ", PASSPHRASE)
    t.answer("API key: ", KEY)
    t.answer("API secret: ", SECRET)
    t.answer("API passphrase: ", "okx-key-passphrase")  # okx keys have one
    assert t.finish() == exit_codes.OK, t.text()
    assert "okx-key-passphrase" not in t.text()
    assert listed(arbdesk_home)[0]["venue"] == "okx"


def test_wrong_vault_passphrase_three_times(arbdesk_home: Path) -> None:
    assert add_main(arbdesk_home).finish() == exit_codes.OK
    before = (arbdesk_home / "data" / "vault.enc").read_bytes()
    t = Terminal(["keys", "test", "main"], env_for(arbdesk_home))
    for _ in range(3):
        t.answer("Vault passphrase: ", "not the passphrase")
    assert t.finish() == exit_codes.CREDENTIALS
    assert "wrong passphrase" in t.text()
    assert (arbdesk_home / "data" / "vault.enc").read_bytes() == before


def test_end_of_input_at_a_prompt_aborts_and_saves_nothing(arbdesk_home: Path) -> None:
    t = Terminal(
        ["keys", "add", "--venue", "paper", "--label", "p"], env_for(arbdesk_home)
    )  # a paper account asks nothing: it is saved
    assert t.finish() == exit_codes.OK
    t = Terminal(
        ["keys", "add", "--venue", "binance", "--label", "x", "--no-check"],
        env_for(arbdesk_home),
    )
    t.answer("New vault passphrase: ", PASSPHRASE)
    t.answer("Repeat the passphrase: ", PASSPHRASE)
    t.expect("API key: ")
    os.write(t.fd, b"\x03")  # Ctrl-C
    assert t.finish() == exit_codes.ABORTED
    assert [a["label"] for a in listed(arbdesk_home)] == ["p"]


def test_remove_asks_first(arbdesk_home: Path) -> None:
    assert add_main(arbdesk_home).finish() == exit_codes.OK
    t = Terminal(["keys", "remove", "main"], env_for(arbdesk_home))
    t.answer("[y/N] ", "n")
    assert t.finish() == exit_codes.ABORTED
    assert [a["label"] for a in listed(arbdesk_home)] == ["main"]
    t = Terminal(["keys", "remove", "main"], env_for(arbdesk_home))
    t.answer("[y/N] ", "y")
    t.answer("Vault passphrase: ", PASSPHRASE)
    assert t.finish() == exit_codes.OK, t.text()
    assert "removed with its keys" in t.text()
    assert listed(arbdesk_home) == []
    result = arbdesk(arbdesk_home, "keys", "remove", "main", "--yes")
    assert result.returncode == exit_codes.NO_ACCOUNT


def test_change_the_vault_passphrase(arbdesk_home: Path) -> None:
    assert add_main(arbdesk_home).finish() == exit_codes.OK
    t = Terminal(["keys", "passphrase"], env_for(arbdesk_home))
    t.answer("Current vault passphrase: ", PASSPHRASE)
    t.answer("New vault passphrase: ", "the new passphrase")
    t.answer("Repeat the new passphrase: ", "the new passphrase")
    assert t.finish() == exit_codes.OK, t.text()
    assert listed(arbdesk_home, "the new passphrase")[0]["key"] == "…LAST"
    old = arbdesk(arbdesk_home, "keys", "list", ARBDESK_VAULT_PASSPHRASE=PASSPHRASE)
    assert old.returncode == exit_codes.CREDENTIALS
    assert "wrong passphrase" in old.stderr


def test_keys_are_never_taken_from_arguments(arbdesk_home: Path) -> None:
    result = arbdesk(
        arbdesk_home, "keys", "add", "--venue", "binance", "--label", "m", "--key", KEY
    )
    assert result.returncode == exit_codes.USAGE
    assert "unrecognized arguments" in result.stderr
