from __future__ import annotations

import pytest

from app.engine.bots.cash_carry import CashCarryBot
from app.engine.bots.cross_arb import CrossArbBot
from app.engine.bots.registry import KINDS, bot_class
from app.engine.bots.spread_dca import SpreadDcaBot


def test_the_three_kinds_by_name() -> None:
    assert {
        "spread_dca": SpreadDcaBot,
        "cross_arb": CrossArbBot,
        "cash_carry": CashCarryBot,
    } == KINDS
    assert bot_class("cash_carry") is CashCarryBot


def test_an_unknown_kind_names_the_allowed_ones() -> None:
    with pytest.raises(
        ValueError, match="unknown bot kind 'grid'; allowed: cash_carry, cross_arb, spread_dca"
    ):
        bot_class("grid")


def test_every_parameter_has_a_description() -> None:
    """The window's form and the TOML errors are generated from them."""
    for cls in KINDS.values():
        for name, field in cls.params_model.model_fields.items():
            assert field.description, f"{cls.kind}.{name}"
