"""Per-bot risk overrides derive from ``RiskLimits``: every limit, its constraints, none set."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import Field, ValidationError

from app.runtime.risk_settings import RiskLimits, RiskLimitsOverride, RiskSettings, partial


def _without_title(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k not in ("title", "default")}


def test_the_override_has_every_limit_with_its_constraints_and_none_set() -> None:
    limits = RiskLimits.model_json_schema()["properties"]
    override = RiskLimitsOverride.model_json_schema()["properties"]
    assert list(override) == list(limits)
    for name, schema in override.items():
        limit = _without_title(limits[name])
        assert schema["anyOf"] == [*limit.get("anyOf", [limit]), {"type": "null"}], name
        assert schema["default"] is None
    assert all(v is None for v in RiskLimitsOverride().model_dump().values())


@pytest.mark.parametrize(
    "bad",
    [
        {"max_order_notional": 0},
        {"price_band_bps": 20_000},
        {"duplicate_window_ms": -1},
        {"order_burst": "many"},
        {"no_such_limit": 1},
    ],
)
def test_an_override_is_checked_as_the_limit_is(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        RiskLimitsOverride(**bad)
    with pytest.raises(ValidationError):
        RiskSettings.model_validate({"per_bot": {"grid1": bad}})


def test_an_override_keeps_only_what_it_gives() -> None:
    settings = RiskSettings.model_validate({"per_bot": {"grid1": {"max_order_notional": "100"}}})
    given = settings.per_bot["grid1"].model_dump(exclude_none=True)
    assert given == {"max_order_notional": Decimal(100)}
    with pytest.raises(ValidationError):  # frozen, as every settings section
        settings.per_bot["grid1"].max_order_notional = Decimal(5)


def test_a_new_limit_is_in_the_override_without_being_declared_twice() -> None:
    class MoreLimits(RiskLimits):
        max_legs: int = Field(default=4, gt=1)

    override = partial(MoreLimits)
    assert override(max_legs=3).model_dump(exclude_none=True) == {"max_legs": 3}
    with pytest.raises(ValidationError):
        override(max_legs=1)
