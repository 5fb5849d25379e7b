"""``arbdesk keys``: exchange accounts and their API keys.

    arbdesk keys add --venue ID --label NAME [--sandbox] [--paper] [--no-check]
                     [--market-type spot|swap] [--instruments BTC/USDT,ETH/USDT]
    arbdesk keys list [--json]         accounts, keys masked to their last four characters
    arbdesk keys remove LABEL [--yes]  the account and its keys, after a confirmation
    arbdesk keys test LABEL            check the stored key against the exchange
    arbdesk keys passphrase            change the vault's master passphrase

Keys are read from prompts with no echo, never from arguments (which end up in the shell's
history and the process list). Where keys live: see ``app.credentials`` (``ARBDESK_KEYRING``,
``ARBDESK_VAULT_PASSPHRASE``). Exit codes: ``app.cli.exit_codes``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from app.cli import exit_codes, settings_arg
from app.cli.prompts import Aborted, Prompter, ask_keys, ask_new_passphrase, open_vault, say
from app.credentials import (
    CredentialsError,
    CredentialStore,
    VaultError,
    credential_store_from_env,
)
from app.engine.account_model import (
    AccountInvalid,
    AccountSpec,
    AccountView,
    NoKeys,
    NoSuchAccount,
    parse_instruments,
    spec_problems,
)
from app.engine.accounts import AccountService
from app.runtime import paths, redaction
from app.runtime.logs import configure_logging
from app.store.engine import sqlite_url
from app.store.records import AccountExists, AccountMode
from app.store.store import Store
from app.venues.exchanges import MARKET_TYPES, PAPER, is_known_venue, venue_info
from app.venues.key_check import KeyCheckReport

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Session:
    """What a command works with. Prompts run *between* ``run`` calls, never inside the event
    loop: there, asyncio's own Ctrl-C handler would leave a blocked ``getpass`` hanging."""

    runner: asyncio.Runner
    service: AccountService
    prompter: Prompter

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(coro)

    @property
    def credentials(self) -> CredentialStore:
        return self.service.credentials


Command = Callable[[argparse.Namespace, Session], int]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("keys", help="exchange accounts and their API keys")
    settings_arg.add(p)
    ksub = p.add_subparsers(title="actions", metavar="ACTION", required=True)

    a = ksub.add_parser("add", help="add an account; its keys are asked for with no echo")
    a.add_argument("--venue", required=True, help=f"a ccxt exchange id, or {PAPER}")
    a.add_argument("--label", required=True, help="a unique name for the account")
    a.add_argument("--sandbox", action="store_true", help="the exchange's testnet or demo")
    a.add_argument("--paper", action="store_true", help="paper trading: no keys")
    a.add_argument("--no-check", action="store_true", help="save without checking the key")
    a.add_argument("--market-type", choices=MARKET_TYPES, default="spot")
    a.add_argument("--instruments", default="", help="default symbols, e.g. BTC/USDT,ETH/USDT")
    a.set_defaults(func=_command(add))

    ls = ksub.add_parser("list", help="the accounts, keys masked")
    ls.add_argument("--json", action="store_true", help="one JSON document")
    ls.set_defaults(func=_command(list_accounts))

    rm = ksub.add_parser("remove", help="delete an account and its keys")
    rm.add_argument("label")
    rm.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    rm.set_defaults(func=_command(remove))

    t = ksub.add_parser("test", help="check an account's key against the exchange")
    t.add_argument("label")
    t.set_defaults(func=_command(test))

    pp = ksub.add_parser("passphrase", help="change the vault's master passphrase")
    pp.set_defaults(func=_command(passphrase))


def _command(command: Command) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        return main(args, command, Prompter())

    return run


def main(args: argparse.Namespace, command: Command, prompter: Prompter) -> int:
    settings = settings_arg.load(args)
    if settings is None:
        return exit_codes.BAD_SETTINGS
    configure_logging(settings.logging.level, paths.log_dir(), console=False)
    try:
        credentials = credential_store_from_env(paths.data_dir())
    except CredentialsError as exc:
        say(f"arbdesk: {exc}")
        return exit_codes.CREDENTIALS
    store = Store(settings.store.url or sqlite_url(paths.data_dir() / "arbdesk.sqlite"))
    with asyncio.Runner() as runner:
        session = Session(runner, AccountService(store, credentials), prompter)
        try:
            runner.run(store.open())
            return command(args, session)
        except NoSuchAccount as exc:
            say(f"arbdesk: {exc}")
            return exit_codes.NO_ACCOUNT
        except (CredentialsError, NoKeys) as exc:
            say(f"arbdesk: {redaction.redact(str(exc))}")
            return exit_codes.CREDENTIALS
        except Aborted as exc:
            say(f"arbdesk: stopped: {exc}")
            return exit_codes.ABORTED
        except KeyboardInterrupt:
            say("arbdesk: interrupted")
            return exit_codes.ABORTED
        finally:
            runner.run(store.close())


# -- commands ---------------------------------------------------------------------------------


def add(args: argparse.Namespace, session: Session) -> int:
    venue = args.venue.strip().lower()
    if not is_known_venue(venue):
        say(f"arbdesk: unknown exchange {venue!r}: use a ccxt exchange id, or {PAPER!r}")
        return exit_codes.USAGE
    paper = args.paper or venue == PAPER
    spec = AccountSpec(
        venue=venue,
        label=args.label.strip(),
        mode=AccountMode.PAPER if paper else AccountMode.LIVE,
        sandbox=args.sandbox,
        market_type=args.market_type,
        default_instruments=parse_instruments(args.instruments),
    )
    problems = spec_problems(spec)
    if problems:
        for problem in problems:
            say(f"arbdesk: {problem}")
        return exit_codes.USAGE
    if session.run(session.service.exists(spec.label)):
        say(f"arbdesk: an account labelled {spec.label!r} already exists")
        return exit_codes.USAGE
    keys = None
    if not paper:
        open_vault(session.credentials, session.prompter, create=True)
        keys = ask_keys(venue_info(venue), session.prompter)
        if not args.no_check:
            say(f"checking the key on {venue}{' (sandbox)' if spec.sandbox else ''} …")
    try:
        outcome = session.run(session.service.add(spec, keys, check=not args.no_check))
    except (AccountInvalid, AccountExists) as exc:
        say(f"arbdesk: {exc}")
        return exit_codes.USAGE
    if outcome.report is not None and not paper:
        _print_report(outcome.report)
    if not outcome.saved:
        say("nothing was saved. Fix the key (or the sandbox flag), or save it with --no-check.")
        return exit_codes.KEY_CHECK_FAILED
    if paper:
        say(f"paper account {spec.label!r} saved (a paper account has no keys)")
    else:
        say(f"account {spec.label!r} saved; its keys are in {session.credentials.describe()}")
    return exit_codes.OK


def list_accounts(args: argparse.Namespace, session: Session) -> int:
    service = session.service
    can_ask = service.needs_passphrase and service.vault_exists and session.prompter.interactive
    if can_ask or session.credentials.uses_env_passphrase:
        open_vault(session.credentials, session.prompter, create=False)
    views = session.run(service.list())
    if args.json:
        print(json.dumps([_as_dict(v) for v in views], sort_keys=True))
        return exit_codes.OK
    print(f"keys are kept in {session.credentials.describe()}")
    if not views:
        print("no accounts yet: add one with 'arbdesk keys add --venue ID --label NAME'")
        return exit_codes.OK
    rows = [("LABEL", "VENUE", "MODE", "SANDBOX", "TYPE", "KEY", "INSTRUMENTS")]
    rows += [
        (
            v.label,
            v.venue,
            v.mode.value,
            "yes" if v.sandbox else "",
            v.market_type,
            v.key_hint or v.keys.value,
            ",".join(v.default_instruments),
        )
        for v in views
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return exit_codes.OK


def remove(args: argparse.Namespace, session: Session) -> int:
    view = session.run(session.service.get(args.label))
    if not args.yes:
        if not session.prompter.interactive:
            say("arbdesk: not removing without a confirmation; add --yes to skip it")
            return exit_codes.ABORTED
        what = "and its keys " if view.live else ""
        question = f"Remove account {view.label!r} ({view.venue}, {view.mode.value}) {what}"
        if not session.prompter.confirm(question + "for good?"):
            say("kept")
            return exit_codes.ABORTED
    if view.live:
        open_vault(session.credentials, session.prompter, create=False)
    session.run(session.service.remove(view.label))
    say(f"account {view.label!r} removed{' with its keys' if view.live else ''}")
    return exit_codes.OK


def test(args: argparse.Namespace, session: Session) -> int:
    view = session.run(session.service.get(args.label))
    if view.live:
        open_vault(session.credentials, session.prompter, create=False)
        say(f"checking the key of {view.label!r} on {view.venue} …")
    report = session.run(session.service.test(view.label))
    _print_report(report)
    return exit_codes.OK if report.ok else exit_codes.KEY_CHECK_FAILED


def passphrase(args: argparse.Namespace, session: Session) -> int:
    credentials = session.credentials
    if not credentials.uses_vault:
        say(f"arbdesk: keys are in {credentials.describe()}; there is no vault passphrase")
        return exit_codes.USAGE
    if not credentials.vault.exists():
        say(f"arbdesk: there is no vault yet at {credentials.vault.path}")
        return exit_codes.CREDENTIALS
    prompter = session.prompter
    old = prompter.ask_secret("Current vault passphrase: ")
    new = ask_new_passphrase(prompter, "New vault passphrase: ", "Repeat the new passphrase: ")
    try:
        credentials.change_passphrase(old, new)
    except VaultError as exc:
        say(f"arbdesk: {exc}; the vault is unchanged")
        return exit_codes.CREDENTIALS
    say("vault passphrase changed")
    return exit_codes.OK


# -- output -----------------------------------------------------------------------------------


def _print_report(report: KeyCheckReport) -> None:
    for line in report.lines():
        text = redaction.redact(line)
        if line.startswith("WARNING"):
            say(f"!!! {text}")
        else:
            print(text, flush=True)


def _as_dict(view: AccountView) -> dict[str, object]:
    return {
        "label": view.label,
        "venue": view.venue,
        "mode": view.mode.value,
        "sandbox": view.sandbox,
        "market_type": view.market_type,
        "default_instruments": list(view.default_instruments),
        "keys": view.keys.value,
        "key": view.key_hint,
    }
