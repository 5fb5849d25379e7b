"""Capital pools per bot, and reservations that keep concurrent bots from spending the same funds.

A bot reserves what all legs of a step need before any order leaves; the reservation passes for
every leg or for none, so a two-leg step never sends one leg it could not pay the other for. Each
need must fit both the bot's own pool and the venue's free balance less what every bot has
reserved there. The reservation is released when the step's orders reach a terminal state and is
rebuilt from the open bot orders at start-up.

Everything here is synchronous and never awaits, so on the event loop a check and the booking
that follows it cannot interleave with another bot's.

The free balance the venue reports already excludes what a resting order holds, so while an order
rests its reservation counts twice: conservative, and short for the IOC orders bots send.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import TypeVar

from app.core.instruments import Instrument, InstrumentId
from app.core.money import ZERO
from app.core.orders import Order, Side
from app.engine.orders.checks import required_funds

BOT_ORIGIN_PREFIX = "bot:"

_Slot = tuple[str, str]  # (venue, asset)
_BotSlot = tuple[str, str, str]  # (bot, venue, asset)
_K = TypeVar("_K")


@dataclass(frozen=True, slots=True)
class PoolSpec:
    """What one bot may spend: a fixed amount per (venue, asset), or a share of each free balance.

    An empty spec is a pool of nothing: the bot may not reserve anything.
    """

    amounts: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)
    share: Decimal | None = None

    def __post_init__(self) -> None:
        if self.share is not None:
            if self.amounts:
                raise ValueError("a pool is either amounts per (venue, asset) or a share, not both")
            if not (self.share.is_finite() and ZERO < self.share <= 1):
                raise ValueError(f"a pool's share must be in (0, 1], got {self.share}")
        for (venue, asset), amount in self.amounts.items():
            if not (amount.is_finite() and amount >= 0):
                raise ValueError(f"pool amount for {venue} {asset} must be >= 0, got {amount}")
        # a private read-only copy: the caller's dict changing later must not move the pool
        object.__setattr__(self, "amounts", MappingProxyType(dict(self.amounts)))


@dataclass(frozen=True, slots=True)
class Need:
    """An amount of one asset on one venue that a step will spend."""

    venue: str
    asset: str
    amount: Decimal

    def __post_init__(self) -> None:
        if not (self.amount.is_finite() and self.amount >= 0):
            raise ValueError(f"a need must be >= 0, got {self.amount} {self.asset}")


@dataclass(frozen=True, slots=True)
class Reservation:
    """Funds set aside for one step (``key``, usually its trace id) of one bot."""

    key: str
    bot_id: str
    needs: tuple[Need, ...]


class CapitalRefused(Exception):
    """A reservation did not fit; nothing was reserved. The message says where and by how much."""

    def __init__(
        self, bot_id: str, venue: str, asset: str, need: Decimal, available: Decimal, why: str
    ) -> None:
        super().__init__(
            f"bot {bot_id}: capital refused on {venue} {asset}: need {need}, "
            f"available {available} ({why})"
        )
        self.bot_id = bot_id
        self.venue = venue
        self.asset = asset
        self.need = need
        self.available = available
        self.why = why


class Capital:
    """Bots' pools and reservations over the venues' free balances.

    ``free(venue, asset)`` is the venue's free balance now; it is read at every check, so the
    pools follow fills and transfers without being told.
    """

    def __init__(self, free: Callable[[str, str], Decimal]) -> None:
        self._free = free
        self._pools: dict[str, PoolSpec] = {}
        self._net: dict[_BotSlot, Decimal] = {}  # note_spent sums: < 0 the bot spent, > 0 returned
        self._reservations: dict[str, Reservation] = {}
        self._by_slot: dict[_Slot, Decimal] = {}  # reserved by all bots
        self._by_bot: dict[_BotSlot, Decimal] = {}  # reserved by one bot

    def set_pool(self, bot_id: str, spec: PoolSpec) -> None:
        """Set or replace a bot's pool; what it spent so far still counts against the new one."""
        self._pools[bot_id] = spec

    def remove_pool(self, bot_id: str) -> None:
        """Forget a bot's pool and spending (the bot is deleted). Its reservations stay until
        released: the orders they cover may still hold the funds."""
        self._pools.pop(bot_id, None)
        for slot in [s for s in self._net if s[0] == bot_id]:
            del self._net[slot]

    def reserve(self, bot_id: str, key: str, needs: Sequence[Need]) -> Reservation:
        """Reserve every need or none; raises ``CapitalRefused`` naming the first that does not fit.

        Needs on the same (venue, asset) add up. A key already held is a caller error.
        """
        if key in self._reservations:
            raise ValueError(f"capital reservation {key!r} is already held")
        spec = self._pools.get(bot_id)
        totals = _totals(needs)
        if spec is None:
            venue, asset = next(iter(totals), ("-", "-"))
            raise CapitalRefused(
                bot_id,
                venue,
                asset,
                totals.get((venue, asset), ZERO),
                ZERO,
                "the bot has no capital pool; set one before it trades",
            )
        for (venue, asset), amount in totals.items():
            if amount == 0:
                continue
            free = self._free(venue, asset)
            pool_left = self._pool_left(bot_id, spec, venue, asset, free)
            venue_left = free - self._by_slot.get((venue, asset), ZERO)
            if amount > pool_left:
                raise CapitalRefused(
                    bot_id, venue, asset, amount, max(pool_left, ZERO), "the bot's pool"
                )
            if amount > venue_left:
                raise CapitalRefused(
                    bot_id,
                    venue,
                    asset,
                    amount,
                    max(venue_left, ZERO),
                    "the venue's free balance less what all bots reserved",
                )
        reservation = Reservation(key, bot_id, tuple(needs))
        self._book(reservation)
        return reservation

    def release(self, key: str) -> None:
        """Give the reservation's funds back; releasing an unknown or released key does nothing,
        so every terminal update of every leg may call it."""
        reservation = self._reservations.pop(key, None)
        if reservation is None:
            return
        for (venue, asset), amount in _totals(reservation.needs).items():
            _add(self._by_slot, (venue, asset), -amount)
            _add(self._by_bot, (reservation.bot_id, venue, asset), -amount)

    def note_spent(self, bot_id: str, venue: str, asset: str, delta: Decimal) -> None:
        """Count a bot's fill: ``delta`` < 0 spent (an amount pool shrinks), > 0 received (an
        amount pool grows; a share pool lets the bot spend back what it acquired)."""
        _add(self._net, (bot_id, venue, asset), delta)

    def available(self, bot_id: str, venue: str, asset: str) -> Decimal:
        """How much more the bot could reserve there now (zero without a pool)."""
        spec = self._pools.get(bot_id)
        if spec is None:
            return ZERO
        free = self._free(venue, asset)
        pool_left = self._pool_left(bot_id, spec, venue, asset, free)
        venue_left = free - self._by_slot.get((venue, asset), ZERO)
        return max(min(pool_left, venue_left), ZERO)

    def reserved(self, venue: str, asset: str) -> Decimal:
        """What all bots have reserved on the venue in that asset."""
        return self._by_slot.get((venue, asset), ZERO)

    def rebuild(self, reservations: Iterable[Reservation]) -> None:
        """Replace every reservation with these (from the open bot orders at start-up), without
        checking them: they describe orders already sent, whose funds are committed."""
        fresh: dict[str, Reservation] = {}
        for reservation in reservations:
            if reservation.key in fresh:
                raise ValueError(f"capital reservation {reservation.key!r} appears twice")
            fresh[reservation.key] = reservation
        self._reservations.clear()
        self._by_slot.clear()
        self._by_bot.clear()
        for reservation in fresh.values():
            self._book(reservation)

    def _book(self, reservation: Reservation) -> None:
        self._reservations[reservation.key] = reservation
        for (venue, asset), amount in _totals(reservation.needs).items():
            _add(self._by_slot, (venue, asset), amount)
            _add(self._by_bot, (reservation.bot_id, venue, asset), amount)

    def _pool_left(
        self, bot_id: str, spec: PoolSpec, venue: str, asset: str, free: Decimal
    ) -> Decimal:
        mine = self._by_bot.get((bot_id, venue, asset), ZERO)
        if spec.share is not None:
            # what the bot acquired itself it may always spend back (close what it bought);
            # the venue's free balance still bounds it
            acquired = max(self._net.get((bot_id, venue, asset), ZERO), ZERO)
            return spec.share * free + acquired - mine
        limit = spec.amounts.get((venue, asset), ZERO)
        return limit + self._net.get((bot_id, venue, asset), ZERO) - mine


def needs_for(
    inst: Instrument, side: Side, qty: Decimal, price: Decimal, leverage: Decimal
) -> Need:
    """What one leg spends, counted exactly as the risk check's balance test counts it."""
    asset, amount = required_funds(inst, side, qty, price, leverage)
    return Need(inst.venue, asset, amount)


def reservations_for_open_orders(
    orders: Iterable[Order], instruments: Mapping[InstrumentId, Instrument], leverage: Decimal
) -> list[Reservation]:
    """The reservations that the bots' orders still open at start-up hold, for ``rebuild``.

    Orders of one step (same trace id, else the client id) make one reservation of their
    remaining quantity at their price. Reduce-only orders spend nothing (as in the risk check).
    An order that cannot be valued raises ``ValueError``: under-reserving would let another bot
    spend the funds it holds.
    """
    steps: dict[str, tuple[str, list[Need]]] = {}
    for order in orders:
        if not order.origin.startswith(BOT_ORIGIN_PREFIX) or order.status.is_terminal:
            continue
        if order.reduce_only or order.remaining <= 0:
            continue
        bot_id = order.origin.removeprefix(BOT_ORIGIN_PREFIX)
        inst = instruments.get(order.instrument_id)
        if inst is None:
            raise ValueError(
                f"bot order {order.client_order_id}: {order.venue} {order.symbol} is not a known "
                "instrument, so its capital cannot be reserved"
            )
        if order.price is None:
            raise ValueError(
                f"bot order {order.client_order_id} has no price, so its capital cannot be reserved"
            )
        key = order.trace_id or order.client_order_id
        owner, needs = steps.setdefault(key, (bot_id, []))
        if owner != bot_id:
            raise ValueError(f"step {key!r} has orders of two bots: {owner} and {bot_id}")
        needs.append(needs_for(inst, order.side, order.remaining, order.price, leverage))
    return [Reservation(key, bot_id, tuple(needs)) for key, (bot_id, needs) in steps.items()]


def _totals(needs: Iterable[Need]) -> dict[_Slot, Decimal]:
    """Needs summed per (venue, asset), in first-seen order."""
    out: dict[_Slot, Decimal] = {}
    for need in needs:
        out[(need.venue, need.asset)] = out.get((need.venue, need.asset), ZERO) + need.amount
    return out


def _add(table: dict[_K, Decimal], slot: _K, delta: Decimal) -> None:
    """Add to a running total, dropping it at zero so the tables do not grow with history."""
    value = table.get(slot, ZERO) + delta
    if value == 0:
        table.pop(slot, None)
    else:
        table[slot] = value
