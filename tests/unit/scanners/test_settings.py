"""Scanner settings: defaults, ranges, and the ``[scanners]`` text for default_settings.toml."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from pydantic import ValidationError

from app.core.instruments import InstrumentKind
from app.engine.scanners import build_scanners
from app.runtime.scanner_settings import ScannersSettings

from .support import inst

#: The section to ship in resources/default_settings.toml (it must equal the model's defaults).
SCANNERS_TOML = """
[scanners]
enabled = true
sample_interval_ms = 1000     # store: at most one sample per opportunity key per interval

[scanners.taker_fee_bps]      # per venue, instead of the instruments' taker fee, e.g. binance = 7.5

[scanners.cross]              # one market on several venues: buy the ask here, sell the bid there
enabled = true
min_edge_bps = 0.0            # after fees; nothing below is even built
venues = []                   # empty: every venue

[scanners.triangular]         # three markets of one venue round three assets
enabled = true
min_edge_bps = 0.0
venues = []

[scanners.cycles]             # every profitable closed path, searched on a timer
enabled = true
max_len = 4                   # most legs (2..6)
min_edge_bps = 0.0            # >= 0
interval_ms = 1000
cross_venue = false           # true: a cycle may combine venues (needs inventory on each)
max_results = 100             # best cycles kept per search
venues = []

[scanners.basis]              # spot against perpetual or dated future
enabled = true
entry_edge_bps = 0.0          # signal carry (buy spot, sell derivative) at this edge after fees
exit_basis_bps = 0.0          # then one exit when the closing basis is down to this
# min_annualized_bps = 500    # dated futures: also require this basis, annualised
cross_venue = true
derivatives = ["perpetual", "future"]
reverse = false               # also sell spot / buy derivative (needs spot inventory or a borrow)
quote_groups = []             # quotes taken as the same money, e.g. [["USD", "USDT"]]
venues = []

[scanners.pairs]              # z-score of log(P1) - beta log(P2), rolling least squares
enabled = true
pairs = []                    # e.g. [{ leg1 = "binance:ETH/USDT", leg2 = "binance:BTC/USDT" }]
window = 300                  # samples
sample_interval_ms = 1000
entry_z = 2.0
exit_z = 0.5
min_edge_bps = 0.0            # after entry and exit fees, if the spread reverts to its mean

[scanners.decisions]          # what reaches the bots; block lists win, empty allow lists allow all
venues_allow = []
venues_block = []
assets_allow = []
assets_block = []
instruments_allow = []        # "venue:symbol"
instruments_block = []
min_edge_bps = 0.0
max_quote_age_ms = 1000       # of the oldest quote an opportunity used
min_size = 0.0                # in size_currency
size_currency = "USDT"
exchange_minimums = true      # every leg meets its market's minimum quantity and notional
cooldown_ms = 1000            # per opportunity
max_concurrent_per_instrument = 1
hold_ms = 1000                # an accepted opportunity holds its instruments until released or this
"""


def test_the_toml_section_equals_the_defaults() -> None:
    assert ScannersSettings.model_validate(tomllib.loads(SCANNERS_TOML)["scanners"]) == (
        ScannersSettings()
    )


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"cross": {"min_edge_bps": -500}}, "cross.min_edge_bps"),
        ({"cycles": {"max_len": 9}}, "cycles.max_len"),
        ({"cycles": {"min_edge_bps": -1}}, "cycles.min_edge_bps"),
        ({"cycles": {"interval_ms": 0}}, "cycles.interval_ms"),
        ({"basis": {"derivatives": ["option"]}}, "basis.derivatives.0"),
        ({"pairs": {"entry_z": 1.0, "exit_z": 1.5}}, "pairs"),
        ({"pairs": {"pairs": [{"leg1": "ETH/USDT", "leg2": "x:BTC/USDT"}]}}, "pairs.pairs.0.leg1"),
        (
            {"decisions": {"max_concurrent_per_instrument": 0}},
            "decisions.max_concurrent_per_instrument",
        ),
        ({"decisions": {"instruments_block": ["BTC/USDT"]}}, "decisions.instruments_block"),
        ({"decisions": {"cooldown_ms": -1}}, "decisions.cooldown_ms"),
        ({"taker_fee_bps": {"binance": -1}}, "taker_fee_bps"),
        ({"cross": {"min_edge": 1}}, "cross.min_edge"),
    ],
)
def test_bad_values_are_refused_by_name(data: dict[str, Any], where: str) -> None:
    with pytest.raises(ValidationError) as err:
        ScannersSettings.model_validate(data)
    locations = {".".join(str(p) for p in e["loc"]) for e in err.value.errors()}
    assert where in locations


def test_fee_override_per_venue_reaches_the_scanners() -> None:
    insts = [inst("a", "BTC/USDT", 10), inst("b", "BTC/USDT", 10)]
    cheap = ScannersSettings.model_validate({"taker_fee_bps": {"a": 0, "b": 0}})
    (cross, *_) = build_scanners(cheap, insts)
    from .support import quote

    cross.update(quote("a", "BTC/USDT", 99.0, 100.0))
    (opp,) = cross.on_quote(quote("b", "BTC/USDT", 100.1, 100.2))
    assert opp.edge_bps == pytest.approx(10.0)  # 10 bps at no fee; with 2 x 10 bps, nothing


def test_basis_derivative_kinds() -> None:
    insts = [
        inst("a", "BTC/USDT"),
        inst("a", "BTC/USDT:USDT", kind=InstrumentKind.PERPETUAL),
        inst("a", "BTC/USDT:USDT-250328", kind=InstrumentKind.FUTURE, expiry_ms=1),
    ]
    settings = ScannersSettings.model_validate({"basis": {"derivatives": ["future"]}})
    (basis,) = [s for s in build_scanners(settings, insts) if s.kind.value == "basis"]
    assert ("a", "BTC/USDT:USDT") not in basis.markets()
    assert ("a", "BTC/USDT:USDT-250328") in basis.markets()


def test_a_pair_of_another_market_is_left_out_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = ScannersSettings.model_validate(
        {
            "pairs": {
                "pairs": [
                    {"leg1": "a:ETH/USDT", "leg2": "a:BTC/USDT"},
                    {"leg1": "a:SOL/USDT", "leg2": "a:BTC/USDT"},
                ]
            }
        }
    )
    insts = [inst("a", "BTC/USDT"), inst("a", "ETH/USDT")]
    (pairs,) = [s for s in build_scanners(settings, insts) if s.kind.value == "pairs"]
    assert set(pairs.markets()) == {("a", "ETH/USDT"), ("a", "BTC/USDT")}
    assert "no instrument ['a:SOL/USDT']" in caplog.text
