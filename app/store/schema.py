"""Every table of the store, in one ``MetaData``: the single source the migrations are checked
against (``tests/unit/store`` asserts that migrating to head yields exactly this).

Enums are stored as their string values (not database enums), so adding a state needs no
migration. Money is ``Money`` (exact TEXT); market data (spread samples) is float, as in the
engine. Nothing here may ever hold a secret: API keys live in the keychain (DESIGN.md).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Double,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from app.store.types import Id, JsonText, Money, Nanos

#: Deterministic constraint names, so later migrations can address them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("venue", String(64), nullable=False),
    Column("label", String(128), nullable=False),
    Column("mode", String(8), nullable=False),
    Column("sandbox", Boolean, nullable=False),
    Column("market_type", String(16), nullable=False),
    Column("default_instruments", JsonText, nullable=False),
    Column("created_ns", Nanos, nullable=False),
    UniqueConstraint("label"),
    CheckConstraint("mode IN ('live', 'paper')", name="mode"),
)

orders = Table(
    "orders",
    metadata,
    Column("client_order_id", String(64), primary_key=True),
    Column("venue", String(64), nullable=False),
    Column("symbol", String(64), nullable=False),
    Column("side", String(8), nullable=False),
    Column("type", String(16), nullable=False),
    Column("time_in_force", String(8), nullable=False),
    Column("quantity", Money, nullable=False),
    Column("price", Money, nullable=True),
    Column("status", String(20), nullable=False),
    Column("filled_qty", Money, nullable=False),
    Column("avg_fill_price", Money, nullable=True),
    Column("venue_order_id", String(128), nullable=True),
    Column("reduce_only", Boolean, nullable=False),
    Column("origin", String(128), nullable=False),
    Column("reason", Text, nullable=True),
    Column("created_ns", Nanos, nullable=False),
    Column("updated_ns", Nanos, nullable=False),
    Column("trace_id", String(64), nullable=True),
    Index(None, "status"),
    Index(None, "venue", "symbol"),
    Index(None, "origin"),  # revision 0007: a bot's orders
    Index(None, "trace_id"),  # revision 0007: a step's orders
)

fills = Table(
    "fills",
    metadata,
    Column("venue", String(64), nullable=False),
    Column("trade_id", String(128), nullable=False),
    Column("client_order_id", String(64), nullable=False),
    Column("venue_order_id", String(128), nullable=True),
    Column("symbol", String(64), nullable=False),
    Column("side", String(8), nullable=False),
    Column("price", Money, nullable=False),
    Column("qty", Money, nullable=False),
    Column("fee", Money, nullable=False),
    Column("fee_currency", String(32), nullable=False),
    Column("liquidity", String(8), nullable=False),
    Column("ts_ns", Nanos, nullable=False),
    PrimaryKeyConstraint("venue", "trade_id"),
    Index(None, "client_order_id"),
    Index(None, "ts_ns"),
)

positions = Table(
    "positions",
    metadata,
    Column("venue", String(64), nullable=False),
    Column("symbol", String(64), nullable=False),
    Column("qty", Money, nullable=False),
    Column("avg_entry", Money, nullable=False),
    Column("realized_pnl", Money, nullable=False),
    Column("fees", Money, nullable=False),
    Column("updated_ns", Nanos, nullable=False),
    Column("cost", Money, nullable=True),  # None: derived from avg_entry (migration 0005)
    PrimaryKeyConstraint("venue", "symbol"),
)

balances = Table(
    "balances",
    metadata,
    Column("venue", String(64), nullable=False),
    Column("asset", String(32), nullable=False),
    Column("total", Money, nullable=False),
    Column("locked", Money, nullable=False),
    Column("updated_ns", Nanos, nullable=False),
    PrimaryKeyConstraint("venue", "asset"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("ts_ns", Nanos, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("detail", JsonText, nullable=False),
    Column("trace_id", String(64), nullable=True),
    Column("prev_hash", String(64), nullable=True),
    Column("hash", String(64), nullable=True),
    Index(None, "ts_ns"),
    Index(None, "trace_id"),
)

settings = Table(
    "settings",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("value", JsonText, nullable=False),
    Column("updated_ns", Nanos, nullable=False),
)

# Revision 0002.

equity_snapshots = Table(
    "equity_snapshots",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("ts_ns", Nanos, nullable=False),
    Column("currency", String(32), nullable=False),
    Column("equity", Money, nullable=False),
    Column("pnl", Money, nullable=False),
    Index(None, "ts_ns"),
)

spread_samples = Table(
    "spread_samples",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("ts_ns", Nanos, nullable=False),
    Column("venue", String(64), nullable=False),
    Column("symbol", String(64), nullable=False),
    Column("bid", Double, nullable=False),
    Column("ask", Double, nullable=False),
    Column("bid_qty", Double, nullable=False),
    Column("ask_qty", Double, nullable=False),
    Index(None, "venue", "symbol", "ts_ns"),
)

# Revision 0004.

opportunity_samples = Table(
    "opportunity_samples",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("ts_ns", Nanos, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("key", String(256), nullable=False),
    Column("edge_bps", Double, nullable=False),
    Column("size_quote", Double, nullable=False),
    Column("size_asset", String(32), nullable=False),
    Column("signal", String(8), nullable=False),
    Column("legs", JsonText, nullable=False),
    Index(None, "kind", "ts_ns"),
    Index(None, "key", "ts_ns"),
)

# Revision 0006.

#: Every transition of every order, appended and never updated: ``orders`` keeps only the last
#: state, this keeps how it got there (who, what, when, the venue's answer). ``id`` is the append
#: order, so one order's history is read by ``(client_order_id, id)``.
order_events = Table(
    "order_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("client_order_id", String(64), nullable=False),
    Column("ts_ns", Nanos, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("filled_qty", Money, nullable=False),
    Column("detail", Text, nullable=False),
    Index(None, "client_order_id", "id"),
)

# Revision 0007.

#: A bot as configured and where it stands: ``params`` (its parameter model as plain JSON) and
#: ``state`` (its state machine's dict), money inside both as decimal strings. ``state_version``
#: goes up with every save, so a reader can tell two saves apart.
bots = Table(
    "bots",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("params", JsonText, nullable=False),
    Column("status", String(16), nullable=False),
    Column("state", JsonText, nullable=False),
    Column("state_version", Integer, nullable=False),
    Column("created_ns", Nanos, nullable=False),
    Column("updated_ns", Nanos, nullable=False),
    Column("last_event", String(500), nullable=False, server_default=""),
)

#: One step of a bot, persisted before its orders leave (the trace id ``<bot>:<cycle>:<step>``
#: its orders carry): after a restart a step that has orders is never sent again.
bot_intents = Table(
    "bot_intents",
    metadata,
    Column("trace_id", String(64), primary_key=True),
    Column("bot_id", String(64), nullable=False),
    Column("cycle", Integer, nullable=False),
    Column("step", Integer, nullable=False),
    Column("action", String(32), nullable=False),
    Column("plan", JsonText, nullable=False),
    Column("status", String(16), nullable=False),
    Column("result", JsonText, nullable=True),
    Column("created_ns", Nanos, nullable=False),
    Column("updated_ns", Nanos, nullable=False),
    Index(None, "bot_id"),
)

#: Saved parameter sets a new bot can start from.
bot_templates = Table(
    "bot_templates",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("params", JsonText, nullable=False),
    Column("created_ns", Nanos, nullable=False),
)
