"""``arbdesk alerts`` in-process: a secret stored with no echo, listed as stored (never shown),
and a test message signed with it reaching a loopback webhook."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli import alerts, exit_codes
from app.cli.main import build_parser
from app.cli.prompts import Prompter
from tests.support.alert_server import AlertServer, alert_server

PASSPHRASE = "a vault passphrase"
SIGNING = "cli-signing-secret-77"


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


class Server:
    """The loopback webhook on a loop of its own: the command runs its own ``asyncio.run``."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.server: AlertServer | None = None
        self._stop: asyncio.Event | None = None
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self._run(),))

    async def _run(self) -> None:
        self._stop = asyncio.Event()
        async with alert_server() as server:
            self.server = server
            self.ready.set()
            await self._stop.wait()

    def __enter__(self) -> AlertServer:
        self.thread.start()
        assert self.ready.wait(10)
        assert self.server is not None
        return self.server

    def __exit__(self, *exc: object) -> None:
        assert self._stop is not None
        self.loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(10)
        self.loop.close()


def run(argv: list[str], settings: Path, *answers: str) -> int:
    args = build_parser().parse_args(["alerts", "--settings", str(settings), *argv])
    script = list(answers)

    def answer(prompt: str) -> str:
        if not script:
            raise EOFError
        return script.pop(0)

    command = {"list": alerts.list_channels, "secret": alerts.store_secret}.get(
        argv[0], alerts.send_test
    )
    return alerts.main(args, command, Prompter(secret=answer, line=answer, interactive=True))


def test_secret_list_and_test(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Server() as server:
        settings = tmp_path / "settings.toml"
        settings.write_text(f'[alerts.channels.ops]\nkind = "webhook"\nurl = "{server.url()}"\n')
        assert run(["secret", "ops", "bot_token"], settings) == exit_codes.USAGE
        assert run(["secret", "nope", "signing_secret"], settings) == exit_codes.USAGE
        code = run(["secret", "ops", "signing_secret"], settings, PASSPHRASE, PASSPHRASE, SIGNING)
        assert code == exit_codes.OK
        assert run(["list", "--json"], settings, PASSPHRASE) == exit_codes.OK
        listed = capsys.readouterr().out
        assert '"signing_secret": true' in listed
        assert run(["test", "ops"], settings, PASSPHRASE) == exit_codes.OK
        out = capsys.readouterr()
        assert "ops: delivered (1 attempt(s))" in out.out
        assert SIGNING not in listed + out.out + out.err
        got = server.received[0]
        expected = hmac.new(SIGNING.encode(), got.body, hashlib.sha256).hexdigest()
        assert got.headers["X-ArbDesk-Signature"] == f"sha256={expected}"
