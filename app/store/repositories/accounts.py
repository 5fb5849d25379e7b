"""Exchange accounts: which venue, paper or live, sandbox or not. Labels are unique.

No secret ever goes here: the keys of an account live in the keychain under its label.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, exists, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.store.records import Account, AccountExists, AccountMode, AccountNotFound
from app.store.repositories._sql import stamp
from app.store.schema import accounts


def _row(account: Account) -> dict[str, Any]:
    return {
        "venue": account.venue,
        "label": account.label,
        "mode": AccountMode(account.mode).value,
        "sandbox": account.sandbox,
        "market_type": account.market_type,
        "default_instruments": list(account.default_instruments),
    }


def _from_row(row: RowMapping) -> Account:
    return Account(
        venue=row["venue"],
        label=row["label"],
        mode=AccountMode(row["mode"]),
        sandbox=bool(row["sandbox"]),
        market_type=row["market_type"],
        default_instruments=tuple(row["default_instruments"]),
        id=row["id"],
        created_ns=row["created_ns"],
    )


def _label_taken(conn: Connection, label: str, other_than: int | None = None) -> bool:
    clause = accounts.c.label == label
    if other_than is not None:
        clause = clause & (accounts.c.id != other_than)
    return bool(conn.execute(select(exists().where(clause))).scalar())


def create_account(conn: Connection, account: Account, *, now_ns: int | None = None) -> Account:
    """Store a new account; returns it with its id and creation time. ``AccountExists`` if the
    label is taken."""
    if _label_taken(conn, account.label):
        raise AccountExists(account.label)
    created = stamp(now_ns) if not account.created_ns else account.created_ns
    row = _row(account) | {"created_ns": created}
    try:
        key = conn.execute(insert(accounts).values(row)).inserted_primary_key
    except IntegrityError as exc:  # a label taken by another process in between
        raise AccountExists(account.label) from exc
    if key is None:
        raise RuntimeError("accounts insert returned no id")
    return dataclasses.replace(account, id=int(key[0]), created_ns=created)


def update_account(conn: Connection, account: Account) -> Account:
    """Overwrite the account with ``account.id`` (its creation time is kept)."""
    if account.id is None:
        raise ValueError("update_account needs an account with an id")
    if _label_taken(conn, account.label, other_than=account.id):
        raise AccountExists(account.label)
    result = conn.execute(update(accounts).where(accounts.c.id == account.id).values(_row(account)))
    if result.rowcount == 0:
        raise AccountNotFound(account.id)
    stored = get_account(conn, account.id)
    if stored is None:
        raise AccountNotFound(account.id)
    return stored


def delete_account(conn: Connection, account_id: int) -> bool:
    """Forget an account; True if it existed."""
    return conn.execute(delete(accounts).where(accounts.c.id == account_id)).rowcount > 0


def get_account(conn: Connection, account_id: int) -> Account | None:
    row = conn.execute(select(accounts).where(accounts.c.id == account_id)).mappings().first()
    return None if row is None else _from_row(row)


def get_account_by_label(conn: Connection, label: str) -> Account | None:
    row = conn.execute(select(accounts).where(accounts.c.label == label)).mappings().first()
    return None if row is None else _from_row(row)


def list_accounts(conn: Connection) -> list[Account]:
    """All accounts, by label."""
    query = select(accounts).order_by(accounts.c.label)
    return [_from_row(row) for row in conn.execute(query).mappings()]
