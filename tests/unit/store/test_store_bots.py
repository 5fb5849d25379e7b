"""Bots, intents and templates round-trip as plain JSON; a bot's orders and fills by origin and
a step's orders by trace id; migration 0007 over old rows and back."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from sqlalchemy import Connection, inspect, text

from app.core.orders import Fill, Liquidity, Order, OrderStatus, OrderType, Side
from app.store import Store
from app.store import repositories as repo
from app.store.engine import create_store_engine
from app.store.migrate import current_revision, downgrade, migrate
from app.store.records import BotRow, IntentRow, TemplateRow

D = Decimal

BOT = BotRow(
    id="dca-1",
    kind="spread_dca",
    params={"legs": ["binance:BTC/USDT", "binanceusdm:BTC/USDT:USDT"], "size": "0.002"},
    status="running",
    state={"phase": "open", "cycle": 3, "entry_spread_bps": "12.5", "adds": [1, 2]},
    state_version=7,
    created_ns=100,
    updated_ns=200,
    last_event="added 0.002 at 14.1 bps",
)


def _intent(bot: str, cycle: int, step: int, status: str = "pending") -> IntentRow:
    return IntentRow(
        trace_id=f"{bot}:{cycle}:{step}",
        bot_id=bot,
        cycle=cycle,
        step=step,
        action="add" if step else "open",
        plan={"legs": [{"venue": "sim-a", "qty": "0.001", "price": "50000.10"}]},
        status=status,
        created_ns=cycle * 100 + step,
        updated_ns=cycle * 100 + step,
    )


def _order(coid: str, origin: str, trace: str = "", created: int = 1) -> Order:
    return Order(
        client_order_id=coid,
        venue="sim-a",
        symbol="BTC/USDT",
        side=Side.BUY,
        type=OrderType.LIMIT,
        quantity=D("0.010"),
        price=D("50000.10"),
        origin=origin,
        status=OrderStatus.FILLED,
        filled_qty=D("0.010"),
        created_ns=created,
        updated_ns=created,
        trace_id=trace,
    )


def _fill(coid: str, trade: str, ts: int) -> Fill:
    return Fill(
        venue="sim-a",
        trade_id=trade,
        client_order_id=coid,
        symbol="BTC/USDT",
        side=Side.BUY,
        price=D("50000.10"),
        qty=D("0.005"),
        fee=D("0.0250005"),
        fee_currency="USDT",
        liquidity=Liquidity.TAKER,
        ts_ns=ts,
    )


def test_bot_round_trips_and_save_overwrites(conn: Connection) -> None:
    repo.save_bot(conn, BOT)
    assert repo.load_bots(conn) == [BOT]
    later = dataclasses.replace(
        BOT, status="paused", state={"phase": "idle"}, state_version=8, last_event="paused"
    )
    repo.save_bot(conn, later)
    assert repo.load_bots(conn) == [later]


def test_bots_load_oldest_first(conn: Connection) -> None:
    second = dataclasses.replace(BOT, id="arb-2", kind="cross_arb", created_ns=300)
    repo.save_bot(conn, second)
    repo.save_bot(conn, BOT)
    assert [b.id for b in repo.load_bots(conn)] == ["dca-1", "arb-2"]


def test_json_holds_money_as_decimal_strings(conn: Connection) -> None:
    repo.save_bot(conn, dataclasses.replace(BOT, params={"size": D("0.0020")}, state={}))
    (bot,) = repo.load_bots(conn)
    assert bot.params == {"size": "0.0020"}  # the digits as written, never through a float
    stored = conn.execute(text("SELECT params FROM bots")).scalar_one()
    assert stored == '{"size":"0.0020"}'


def test_a_long_last_event_is_cut_to_the_column(conn: Connection) -> None:
    repo.save_bot(conn, dataclasses.replace(BOT, last_event="x" * 600))
    (bot,) = repo.load_bots(conn)
    assert bot.last_event == "x" * 500


def test_intents_upsert_and_pending(conn: Connection) -> None:
    repo.save_intent(conn, _intent("b", 1, 1))
    repo.save_intent(conn, _intent("a", 2, 0))
    repo.save_intent(conn, _intent("a", 1, 0))
    repo.save_intent(conn, _intent("a", 1, 1))
    assert [i.trace_id for i in repo.pending_intents(conn)] == ["a:1:0", "a:1:1", "a:2:0", "b:1:1"]
    done = dataclasses.replace(
        _intent("a", 1, 0), status="done", result={"filled": "0.001"}, updated_ns=999
    )
    repo.save_intent(conn, done)
    assert [i.trace_id for i in repo.pending_intents(conn, "a")] == ["a:1:1", "a:2:0"]
    assert repo.intents_of(conn, "a")[0] == done
    assert repo.intents_of(conn, "a")[1].result is None


def test_intents_of_keeps_step_order_and_the_latest_with_a_limit(conn: Connection) -> None:
    for cycle, step in [(2, 0), (1, 1), (10, 0), (1, 0), (2, 1)]:  # 10 sorts after 2: numbers
        repo.save_intent(conn, _intent("a", cycle, step, status="done"))
    repo.save_intent(conn, _intent("b", 1, 0))
    assert [i.trace_id for i in repo.intents_of(conn, "a")] == [
        "a:1:0",
        "a:1:1",
        "a:2:0",
        "a:2:1",
        "a:10:0",
    ]
    assert [i.trace_id for i in repo.intents_of(conn, "a", 2)] == ["a:2:1", "a:10:0"]
    assert repo.pending_intents(conn, "a") == []


def test_delete_bot_takes_its_intents_only(conn: Connection) -> None:
    other = dataclasses.replace(BOT, id="other")
    repo.save_bot(conn, BOT)
    repo.save_bot(conn, other)
    repo.save_intent(conn, _intent("dca-1", 1, 0))
    repo.save_intent(conn, _intent("other", 1, 0))
    assert repo.delete_bot(conn, "dca-1") is True
    assert repo.load_bots(conn) == [other]
    assert repo.intents_of(conn, "dca-1") == []
    assert [i.bot_id for i in repo.pending_intents(conn)] == ["other"]
    assert repo.delete_bot(conn, "dca-1") is False


def test_templates_round_trip_overwrite_and_delete(conn: Connection) -> None:
    wide = TemplateRow("wide", "spread_dca", {"entry_bps": "25", "adds": [40, 60]}, 5)
    tight = TemplateRow("tight", "spread_dca", {"entry_bps": "8"}, 6)
    repo.save_template(conn, wide)
    repo.save_template(conn, tight)
    assert repo.load_templates(conn) == [tight, wide]
    wider = dataclasses.replace(wide, params={"entry_bps": "30"})
    repo.save_template(conn, wider)
    assert repo.load_templates(conn) == [tight, wider]
    assert repo.delete_template(conn, "tight") is True
    assert repo.delete_template(conn, "tight") is False
    assert repo.load_templates(conn) == [wider]


def test_orders_and_fills_by_origin_and_orders_by_trace(conn: Connection) -> None:
    repo.save_orders(
        conn,
        [
            _order("c3", "bot:dca-1", "dca-1:1:1", created=3),
            _order("c1", "bot:dca-1", "dca-1:1:0", created=1),
            _order("c2", "bot:arb-2", "arb-2:1:0", created=2),
            _order("c4", "manual", created=4),
            _order("c5", "bot:dca-1", "dca-1:1:1", created=5),
        ],
    )
    for fill in [_fill("c1", "t1", 10), _fill("c2", "t2", 11), _fill("c3", "t3", 12)]:
        repo.save_fill(conn, fill)
    repo.save_fill(conn, _fill("c1", "t0", 9))
    assert [o.client_order_id for o in repo.orders_by_origin(conn, "bot:dca-1")] == [
        "c1",
        "c3",
        "c5",
    ]
    assert repo.orders_by_origin(conn, "bot:none") == []
    fills = repo.fills_by_origin(conn, "bot:dca-1")
    assert [f.trade_id for f in fills] == ["t0", "t1", "t3"]
    assert fills[0] == _fill("c1", "t0", 9)
    assert [o.client_order_id for o in repo.orders_by_trace(conn, "dca-1:1:1")] == ["c3", "c5"]
    assert repo.orders_by_trace(conn, "dca-1:9:9") == []
    (order,) = repo.orders_by_trace(conn, "arb-2:1:0")
    assert order == _order("c2", "bot:arb-2", "arb-2:1:0", created=2)


async def test_through_the_store_thread(db_url: str) -> None:
    """As the manager calls them: ``store.run`` on the store's own thread and transaction."""
    store = Store(db_url)
    await store.open()
    try:
        await store.run(repo.save_bot, BOT)
        await store.run(repo.save_intent, _intent("dca-1", 1, 0))
        await store.run(lambda c: repo.save_bot(c, dataclasses.replace(BOT, state_version=8)))
        bots = await store.run(repo.load_bots)
        assert [b.state_version for b in bots] == [8]
        assert await store.run(lambda c: repo.pending_intents(c, "dca-1")) == [
            _intent("dca-1", 1, 0)
        ]
    finally:
        await store.close()
    reopened = Store(db_url)
    await reopened.open()
    try:
        assert await reopened.run(repo.load_bots) == [dataclasses.replace(BOT, state_version=8)]
    finally:
        await reopened.close()


# -- migration 0007 ------------------------------------------------------------------------------


def test_migration_adds_the_bot_tables_and_order_indexes_over_old_rows(db_url: str) -> None:
    engine = create_store_engine(db_url)
    migrate(engine, "0006")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO orders VALUES ('c1', 'sim-a', 'BTC/USDT', 'buy', 'limit', 'GTC',"
                " '0.1', '65000.5', 'OPEN', '0', NULL, NULL, 0, 'bot:3', NULL, 1, 2, '3:1:0')"
            )
        )
    migrate(engine, "0007")
    assert current_revision(engine) == "0007"
    insp = inspect(engine)
    assert {tuple(i["column_names"]) for i in insp.get_indexes("orders")} == {
        ("status",),
        ("venue", "symbol"),
        ("origin",),
        ("trace_id",),
    }
    assert {tuple(i["column_names"]) for i in insp.get_indexes("bot_intents")} == {("bot_id",)}
    with engine.begin() as conn:
        assert [o.client_order_id for o in repo.orders_by_origin(conn, "bot:3")] == ["c1"]
        assert [o.client_order_id for o in repo.orders_by_trace(conn, "3:1:0")] == ["c1"]
        conn.execute(
            text(
                "INSERT INTO bots (id, kind, params, status, state, state_version, created_ns,"
                " updated_ns) VALUES ('b', 'cross_arb', '{}', 'stopped', '{}', 0, 1, 1)"
            )
        )
        (bot,) = repo.load_bots(conn)
        assert bot.last_event == ""  # the column's default

    downgrade(engine, "0006")
    insp = inspect(engine)
    assert not {"bots", "bot_intents", "bot_templates"} & set(insp.get_table_names())
    assert {tuple(i["column_names"]) for i in insp.get_indexes("orders")} == {
        ("status",),
        ("venue", "symbol"),
    }
    with engine.connect() as conn:
        assert repo.load_order(conn, "c1") is not None
    engine.dispose()
