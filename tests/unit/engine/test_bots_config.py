"""The bots file of ``arbdesk replay``: what it accepts, and errors that name bot, key, value and
what is allowed."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from app.engine.bots.config import (
    BotConfigError,
    check_instruments,
    load_bots_file,
    params_reference,
    parse_bots,
)
from app.engine.bots.registry import KINDS
from app.venues.replay import ReplayMarket

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "resources" / "examples" / "bots.toml"

DCA = """
[[bots]]
id = "dca"
kind = "spread_dca"
leg_a = "binance:BTC/USDT"
leg_b = "binanceusdm:BTC/USDT:USDT"
base_qty = "0.002"
entry = 5.0
take_profit = 3.0
stop = 9.0
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(BotConfigError) as info:
        parse_bots(tomllib.loads(text), "bots.toml")
    lines = str(info.value).splitlines()
    assert lines[0].startswith("bots.toml: ")
    return [line.strip() for line in lines[1:]]


def test_the_example_file_holds_one_bot_of_each_kind() -> None:
    specs = load_bots_file(EXAMPLE)
    assert [(s.id, s.kind) for s in specs] == [
        ("dca-btc", "spread_dca"),
        ("carry-eth", "cash_carry"),
        ("cross", "cross_arb"),
    ]
    assert {s.kind for s in specs} == set(KINDS)
    dca = specs[0].params
    assert dca["leg_a"] == "binance:BTC/USDT"
    assert Decimal(dca["base_qty"]) == Decimal("0.002")  # exact: a decimal string
    assert dca["leg_retries"] == 3  # a default filled in


def test_a_valid_bot_keeps_its_values_and_defaults() -> None:
    (spec,) = parse_bots(tomllib.loads(DCA))
    assert (spec.id, spec.kind) == ("dca", "spread_dca")
    assert spec.params["entry"] == 5.0 and spec.params["unit"] == "bps"
    with pytest.raises(TypeError):
        spec.params["entry"] = 1.0  # type: ignore[index]


def test_a_bad_value_names_the_bot_the_key_the_value_and_the_bound() -> None:
    (line,) = errors_of(DCA.replace('base_qty = "0.002"', "base_qty = -1"))
    assert line == "bot 'dca' (bots[0], spread_dca): base_qty = -1: Input should be greater than 0"


def test_a_choice_names_what_is_allowed() -> None:
    (line,) = errors_of(DCA + 'unit = "points"\n')
    assert "bot 'dca'" in line and "unit = 'points'" in line and "'bps' or 'pct'" in line


def test_an_unknown_key_lists_the_kinds_keys() -> None:
    (line,) = errors_of(DCA + "colour = 'red'\n")
    assert line.startswith("bot 'dca' (bots[0], spread_dca): colour = 'red': unknown key; allowed:")
    assert "base_qty" in line and "take_profit" in line and "leg_retries" in line


def test_a_list_item_is_named_by_its_index() -> None:
    (line,) = errors_of(DCA + 'adds = [6.0, "x"]\n')
    assert line.startswith("bot 'dca' (bots[0], spread_dca): adds[1] = 'x': ")


def test_a_check_across_keys_says_which_and_why() -> None:
    (line,) = errors_of(DCA.replace("take_profit = 3.0", "take_profit = 6.0"))
    assert line == "bot 'dca' (bots[0], spread_dca): take_profit (6.0) must be below entry (5.0)"


def test_a_missing_parameter_says_what_it_is() -> None:
    (line,) = errors_of(DCA.replace("stop = 9.0\n", ""))
    assert line.startswith("bot 'dca' (bots[0], spread_dca): stop is missing: required (")


def test_an_unknown_kind_lists_the_kinds() -> None:
    (line,) = errors_of('[[bots]]\nid = "g"\nkind = "grid"\n')
    assert line == (
        "bot 'g' (bots[0]): kind = 'grid': unknown bot kind; allowed: "
        "cash_carry, cross_arb, spread_dca"
    )


def test_missing_id_and_kind_and_a_bad_id() -> None:
    lines = errors_of('[[bots]]\nkind = "cross_arb"\nmax_qty = "1"\n[[bots]]\nid = "a b"\n')
    assert lines[0].startswith("bot #1 (bots[0], cross_arb): id is missing (letters, digits")
    assert lines[1].startswith("bot 'a b' (bots[1]): id = 'a b': not allowed; an id is letters")
    assert lines[2] == (
        "bot 'a b' (bots[1]): kind is missing; allowed: cash_carry, cross_arb, spread_dca"
    )


def test_duplicate_ids_name_both_tables() -> None:
    lines = errors_of(DCA + DCA)
    assert lines == [
        "bot 'dca' (bots[1], spread_dca): id = 'dca' is already the id of bots[0]; "
        "ids must be unique"
    ]


def test_every_problem_of_the_file_is_reported_at_once() -> None:
    text = DCA.replace('base_qty = "0.002"', "base_qty = 0") + '[[bots]]\nid = "x"\nkind = "y"\n'
    lines = errors_of(text)
    assert len(lines) == 2
    assert "base_qty = 0" in lines[0] and "kind = 'y'" in lines[1]


def test_no_bots_and_stray_keys() -> None:
    assert errors_of("speed = 1\n") == [
        "unknown top-level key 'speed'; allowed: bots (one [[bots]] table per bot)",
        "no bots: write one [[bots]] table per bot (id, kind, parameters)",
    ]
    assert errors_of("bots = [1, 2]\n") == [
        "bots must be tables: write [[bots]] above each bot's keys"
    ]


def test_toml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bots.toml"
    path.write_text('[[bots]]\nid = "a"\nkind = \n')
    with pytest.raises(BotConfigError, match=r"bots.toml: not valid TOML: .*line 3"):
        load_bots_file(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(BotConfigError, match=r"no-such\.toml: no such bots file"):
        load_bots_file(tmp_path / "no-such.toml")


def test_an_instrument_the_recording_lacks_names_the_key_and_lists_what_there_is() -> None:
    instruments = {i.id: i for i in ReplayMarket.catalog_only().instruments()}
    specs = parse_bots(tomllib.loads(DCA.replace("binance:BTC/USDT", "binance:SOL/USDT")))
    with pytest.raises(BotConfigError) as info:
        check_instruments(specs, instruments, "bots.toml")
    (line,) = str(info.value).splitlines()[1:]
    assert line.strip().startswith(
        "bot 'dca' (bots[0], spread_dca): leg_a = 'binance:SOL/USDT': "
        "not an instrument of this recording; there are: binance:BTC/USDT, binance:ETH/USDT"
    )
    check_instruments(load_bots_file(EXAMPLE), instruments)  # the example fits the recording


def test_the_readme_lists_every_kinds_parameters_as_the_models_describe_them() -> None:
    readme = (ROOT / "README.md").read_text()
    start, end = "<!-- bots-params:start -->\n", "<!-- bots-params:end -->"
    assert start in readme and end in readme
    listed = readme.split(start, 1)[1].split(end, 1)[0]
    assert listed == params_reference(), (
        "README's bot parameters differ from the models: paste the output of "
        '`.venv/bin/python -c "from app.engine.bots.config import params_reference as p; '
        "print(p(), end='')\"` between the markers"
    )
