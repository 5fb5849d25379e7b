"""The audit detail's normal form is the JSON round trip's, built directly or not."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from app.core.audit_chain import canonical, normalised
from app.core.orders import OrderStatus, Side

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=8),
    st.sampled_from(list(Side) + list(OrderStatus)),
    st.decimals(allow_nan=False, places=4),
    st.floats(allow_nan=False),
    st.lists(st.integers(), max_size=3),
)


def round_trip(detail: dict[str, Any]) -> Any:
    return json.loads(canonical(detail))


@given(st.dictionaries(st.text(max_size=6), VALUES, max_size=8))
def test_normalised_is_the_json_round_trip_keys_in_the_same_order(
    detail: dict[str, Any],
) -> None:
    body = normalised(detail)
    expected = round_trip(detail)
    assert body == expected
    assert list(body) == list(expected)
    assert canonical(body) == canonical(expected)  # hence the same hash


def test_an_order_detail_becomes_plain_strings() -> None:
    detail = {"qty": Decimal("0.0020"), "side": Side.BUY, "price": None, "reduce_only": False}
    body = normalised(detail)
    assert body == {"price": None, "qty": "0.0020", "reduce_only": False, "side": "buy"}
    assert type(body["side"]) is str and list(body) == ["price", "qty", "reduce_only", "side"]


def test_other_keys_take_the_round_trip() -> None:
    odd: dict[Any, Any] = {2: "a", 10: 2.5}
    assert normalised(odd) == round_trip(odd) == {"2": "a", "10": 2.5}
