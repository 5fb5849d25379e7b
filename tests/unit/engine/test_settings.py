from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from app.runtime import paths
from app.runtime.settings import Settings
from app.runtime.settings_loader import (
    DEFAULTS_FILE,
    SettingsError,
    load_settings,
    read_toml,
    validate,
)


def test_shipped_defaults_match_the_model() -> None:
    assert validate(read_toml(DEFAULTS_FILE), "defaults") == Settings()


def test_defaults_are_paper_on_the_simulated_market() -> None:
    s = load_settings()
    assert s.mode == "paper"
    assert s.market.source == "sim"
    assert s.paper.starting_balances == {
        "USDT": Decimal(100_000),
        "BTC": Decimal(1),
        "ETH": Decimal(10),
    }


def test_user_file_overrides_only_what_it_names(arbdesk_home: Path) -> None:
    paths.settings_file().parent.mkdir(parents=True)
    paths.settings_file().write_text('[market]\nsource = "replay"\nspeed = "max"\n')
    s = load_settings()
    assert s.market.source == "replay"
    assert s.market.speed_factor is None
    assert s.sim.seed == Settings().sim.seed


def test_overrides_win_over_the_file(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text("[sim]\nseed = 5\n")
    assert load_settings(f).sim.seed == 5
    assert load_settings(f, {"sim": {"seed": 9}}).sim.seed == 9


def test_invalid_value_names_key_value_and_what_is_allowed(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text('[market]\nsource = "binance"\n')
    with pytest.raises(SettingsError) as err:
        load_settings(f)
    text = str(err.value)
    assert str(f) in text
    assert "market.source" in text
    assert "'binance'" in text
    assert "'sim', 'replay' or 'live'" in text


def test_unknown_key_is_refused_by_name(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text("[paper]\nlatencyms = 5\n")
    with pytest.raises(SettingsError, match=r"paper\.latencyms: unknown key"):
        load_settings(f)


def test_negative_starting_balance_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text("[paper.starting_balances]\nUSDT = -1\n")
    with pytest.raises(SettingsError, match="starting balance of USDT must be >= 0"):
        load_settings(f)


@pytest.mark.parametrize("speed", ["0", "-2", '"fast"'])
def test_bad_speed_is_refused(tmp_path: Path, speed: str) -> None:
    f = tmp_path / "s.toml"
    f.write_text(f"[market]\nspeed = {speed}\n")
    with pytest.raises(SettingsError, match=r"market\.speed"):
        load_settings(f)


def test_broken_toml_names_the_file_and_line(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text("[market\nsource = 1\n")
    with pytest.raises(SettingsError, match=r"not valid TOML.*line 1"):
        load_settings(f)


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="no such settings file"):
        load_settings(tmp_path / "nope.toml")


def test_arbdesk_home_isolates_every_folder(arbdesk_home: Path) -> None:
    for folder in (paths.data_dir(), paths.config_dir(), paths.log_dir()):
        assert folder.is_relative_to(arbdesk_home)


def test_stable_equivalents_are_a_setting(tmp_path: Path) -> None:
    assert load_settings().portfolio.stable_equivalents == ["USD", "USDT", "USDC"]
    f = tmp_path / "s.toml"
    f.write_text("[portfolio]\nstable_equivalents = []\n")
    assert load_settings(f).portfolio.stable_equivalents == []
    f.write_text('[portfolio]\nstable_equivalents = ["USDT", "USDT"]\n')
    with pytest.raises(SettingsError, match=r"portfolio\.stable_equivalents.*at most once"):
        load_settings(f)


def test_live_mode_needs_the_live_source_and_accounts(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text('mode = "live"\n')
    with pytest.raises(SettingsError, match="the simulated and replayed markets are paper only"):
        load_settings(f)
    f.write_text('mode = "live"\n[market]\nsource = "live"\n')
    with pytest.raises(SettingsError, match=r"needs live\.accounts"):
        load_settings(f)
    f.write_text('mode = "live"\n[market]\nsource = "live"\n[live]\naccounts = ["main"]\n')
    assert load_settings(f).live.accounts == ["main"]
    f.write_text("[live]\nrequest_timeout_ms = 10000\n")
    assert load_settings(f).live.request_timeout_ms == 10000  # not used off the live market
    f.write_text('[market]\nsource = "live"\n[live]\nrequest_timeout_ms = 10000\n')
    with pytest.raises(SettingsError, match=r"must be below oms\.venue_timeout_s"):
        load_settings(f)
    f.write_text('[live.urls.main]\nrest = "127.0.0.1:80"\n')
    with pytest.raises(SettingsError, match="not a base URL"):
        load_settings(f)
