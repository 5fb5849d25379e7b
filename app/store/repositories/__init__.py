"""Repositories: plain functions over a ``Connection``, mapping rows to and from core types.

Run them on the store thread: ``await store.run(save_order, order)``.
"""

from app.store.repositories.accounts import (
    create_account,
    delete_account,
    get_account,
    get_account_by_label,
    list_accounts,
    update_account,
)
from app.store.repositories.audit import (
    ChainCheck,
    append_audit,
    audit_row,
    last_audit_hash,
    load_audit,
    verify_audit_chain,
)
from app.store.repositories.market import (
    insert_spread_samples,
    load_spread_samples,
    spread_sample_row,
)
from app.store.repositories.market_opportunities import (
    OpportunitySample,
    insert_opportunity_samples,
    load_opportunity_samples,
    opportunity_sample_row,
)
from app.store.repositories.orders import (
    OPEN_STATUSES,
    fill_row,
    load_fills,
    load_order,
    load_orders,
    order_row,
    save_fill,
    save_order,
    save_orders,
)
from app.store.repositories.portfolio import (
    balance_row,
    equity_row,
    equity_snapshots_of,
    insert_equity_snapshot,
    load_balances,
    load_equity_snapshots,
    load_positions,
    position_row,
    upsert_balance,
    upsert_balances,
    upsert_position,
    upsert_positions,
    upsert_venue_balances,
)
from app.store.repositories.settings import delete_setting, get_setting, set_setting

__all__ = [
    "OPEN_STATUSES",
    "ChainCheck",
    "OpportunitySample",
    "append_audit",
    "audit_row",
    "balance_row",
    "create_account",
    "delete_account",
    "delete_setting",
    "equity_row",
    "equity_snapshots_of",
    "fill_row",
    "get_account",
    "get_account_by_label",
    "get_setting",
    "insert_equity_snapshot",
    "insert_opportunity_samples",
    "insert_spread_samples",
    "last_audit_hash",
    "list_accounts",
    "load_audit",
    "load_balances",
    "load_equity_snapshots",
    "load_fills",
    "load_opportunity_samples",
    "load_order",
    "load_orders",
    "load_positions",
    "load_spread_samples",
    "opportunity_sample_row",
    "order_row",
    "position_row",
    "save_fill",
    "save_order",
    "save_orders",
    "set_setting",
    "spread_sample_row",
    "update_account",
    "upsert_balance",
    "upsert_balances",
    "upsert_position",
    "upsert_positions",
    "upsert_venue_balances",
    "verify_audit_chain",
]
