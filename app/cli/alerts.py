"""``arbdesk alerts``: the alert channels of ``[alerts.channels]`` and their secrets.

    arbdesk alerts list [--json]        channels, rules, which secrets are stored (no values)
    arbdesk alerts secret CHANNEL NAME  keep one secret (asked with no echo) in keychain/vault
    arbdesk alerts test CHANNEL         send a test message now; exit 0 when delivered

Secrets are read from a prompt, never from arguments (shell history, the process list). Exit
codes: ``app.cli.exit_codes`` (FAILED when a test is not delivered, USAGE for an unknown channel
or secret name, CREDENTIALS when the keychain or vault cannot be used).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable

from app.cli import exit_codes, settings_arg
from app.cli.prompts import Aborted, Prompter, open_vault, say
from app.core.secrets import Secret
from app.credentials import CredentialsError, CredentialStore, credential_store_from_env
from app.engine.alerting import AlertingService
from app.engine.alerting.channels import SECRETS, secret_name
from app.runtime import paths, redaction
from app.runtime.settings import Settings

Command = Callable[[argparse.Namespace, Settings, CredentialStore, Prompter], int]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("alerts", help="alert channels (webhook, Telegram, Lark, DingTalk)")
    settings_arg.add(p)
    asub = p.add_subparsers(title="actions", metavar="ACTION", required=True)
    ls = asub.add_parser("list", help="channels and which of their secrets are stored")
    ls.add_argument("--json", action="store_true", help="one JSON document")
    ls.set_defaults(func=_command(list_channels))
    s = asub.add_parser("secret", help="store a channel's secret, asked for with no echo")
    s.add_argument("channel")
    s.add_argument("name", help="signing_secret, bot_token, hook_token or access_token")
    s.set_defaults(func=_command(store_secret))
    t = asub.add_parser("test", help="send a test message to one channel now")
    t.add_argument("channel")
    t.set_defaults(func=_command(send_test))


def _command(command: Command) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        return main(args, command, Prompter())

    return run


def main(args: argparse.Namespace, command: Command, prompter: Prompter) -> int:
    settings = settings_arg.load(args)
    if settings is None:
        return exit_codes.BAD_SETTINGS
    try:
        credentials = credential_store_from_env(paths.data_dir())
        return command(args, settings, credentials, prompter)
    except CredentialsError as exc:
        say(f"arbdesk: {redaction.redact(str(exc))}")
        return exit_codes.CREDENTIALS
    except Aborted as exc:
        say(f"arbdesk: stopped: {exc}")
        return exit_codes.ABORTED


def _stored(credentials: CredentialStore, channel: str, kind: str) -> dict[str, bool]:
    if credentials.uses_vault and not credentials.vault.exists():
        return dict.fromkeys(SECRETS[kind], False)
    return {
        name: credentials.get_secret(secret_name(channel, name)) is not None
        for name in SECRETS[kind]
    }


def list_channels(
    args: argparse.Namespace, settings: Settings, credentials: CredentialStore, prompter: Prompter
) -> int:
    channels = settings.alerts.channels
    if channels and (prompter.interactive or credentials.uses_env_passphrase):
        open_vault(credentials, prompter, create=False)
    rows = []
    for name, rules in sorted(channels.items()):
        row = rules.model_dump(mode="json")
        row["name"] = name
        row["secrets_stored"] = _stored(credentials, name, rules.kind)
        rows.append(row)
    if args.json:
        print(json.dumps({"channels": rows}, indent=2))
        return exit_codes.OK
    if not rows:
        print("no alert channels: add [alerts.channels.NAME] to the settings file")
    for row in rows:
        secrets = ", ".join(
            f"{k}: {'stored' if v else 'missing'}" for k, v in row["secrets_stored"].items()
        )
        print(f"{row['name']}: {row['kind']} levels={','.join(row['levels'])} {secrets}")
    return exit_codes.OK


def store_secret(
    args: argparse.Namespace, settings: Settings, credentials: CredentialStore, prompter: Prompter
) -> int:
    rules = settings.alerts.channels.get(args.channel)
    if rules is None:
        say(f"arbdesk: no alert channel {args.channel!r} in the settings")
        return exit_codes.USAGE
    if args.name not in SECRETS[rules.kind]:
        names = ", ".join(SECRETS[rules.kind])
        say(f"arbdesk: a {rules.kind} channel has no secret {args.name!r} (it has: {names})")
        return exit_codes.USAGE
    open_vault(credentials, prompter, create=True)
    value = prompter.ask_secret(f"{args.name} of {args.channel}: ").strip()
    if not value:
        raise Aborted("empty secret")
    redaction.register(value)
    credentials.put_secret(secret_name(args.channel, args.name), Secret(value))
    say(f"{args.name} of alert channel {args.channel!r} saved in {credentials.describe()}")
    return exit_codes.OK


def send_test(
    args: argparse.Namespace, settings: Settings, credentials: CredentialStore, prompter: Prompter
) -> int:
    if args.channel not in settings.alerts.channels:
        say(f"arbdesk: no alert channel {args.channel!r} in the settings")
        return exit_codes.USAGE
    if credentials.uses_vault and credentials.vault.exists():
        open_vault(credentials, prompter, create=False)

    async def secret(name: str) -> Secret | None:
        if credentials.uses_vault and not credentials.vault.exists():
            return None
        return await asyncio.to_thread(credentials.get_secret, name)

    service = AlertingService(settings.alerts, secrets=secret)
    result = asyncio.run(service.send_test(args.channel))
    if result.ok:
        print(f"{args.channel}: delivered ({result.attempts} attempt(s))")
        return exit_codes.OK
    print(f"{args.channel}: not delivered after {result.attempts} attempt(s): {result.error}")
    return exit_codes.FAILED
