"""``Secret`` and ``KeyMaterial`` never show a value by accident; ``scrub`` removes them."""

from __future__ import annotations

import copy
import logging
import pickle

import pytest

from app.core.secrets import MASK, REDACTED, KeyMaterial, Secret, scrub

KEY = "AKIAKEY-0123456789-wxyz"
SECRET = "s3cr3t-value-that-must-not-leak"


def keys() -> KeyMaterial:
    return KeyMaterial(Secret(KEY), Secret(SECRET), Secret("pass-phrase-1"), None)


def test_secret_never_shows_its_value() -> None:
    s = Secret(SECRET)
    percent = "%s %r" % (s, s)  # noqa: UP031 - %-formatting is what logging does
    for text in (repr(s), str(s), f"{s}", f"{s!r}", f"{s:>40}", percent, str([s])):
        assert SECRET not in text
        assert MASK in text
    assert s.reveal() == SECRET


def test_last4_only_for_long_values() -> None:
    assert Secret(KEY).last4 == "wxyz"
    assert Secret(KEY).masked() == "…wxyz"
    assert Secret("short-key").last4 == ""
    assert Secret("short-key").masked() == MASK


def test_equality_by_value_but_not_hashable_nor_picklable() -> None:
    assert Secret("a-long-value") == Secret("a-long-value")
    assert Secret("a-long-value") != Secret("b-long-value")
    assert Secret("x") != "x"
    with pytest.raises(TypeError):
        hash(Secret("x"))
    with pytest.raises(TypeError):
        pickle.dumps(Secret(SECRET))
    s = Secret(SECRET)
    assert copy.deepcopy(s) is s


def test_secret_refuses_non_strings() -> None:
    with pytest.raises(TypeError):
        Secret(b"bytes")  # type: ignore[arg-type]


def test_key_material_repr_and_exception_texts_are_masked() -> None:
    material = keys()
    for text in (repr(material), str(material), str(ValueError(material)), f"{material}"):
        assert KEY not in text and SECRET not in text and "pass-phrase-1" not in text
    assert "…wxyz" in repr(material)


def test_key_material_in_a_logged_dict_stays_masked(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("t").info("config %s", {"keys": keys()})
    assert SECRET not in caplog.text and KEY not in caplog.text


def test_key_material_needs_key_and_secret() -> None:
    with pytest.raises(ValueError):
        KeyMaterial(Secret(""), Secret(SECRET))
    with pytest.raises(ValueError):
        KeyMaterial(Secret(KEY), Secret(""))


def test_ccxt_config_holds_only_what_is_set() -> None:
    assert keys().ccxt_config() == {"apiKey": KEY, "secret": SECRET, "password": "pass-phrase-1"}
    assert "uid" not in keys().ccxt_config()


def test_scrub_removes_every_value_longest_first() -> None:
    text = f"binance said: key={KEY} sig={SECRET} again {KEY}"
    out = scrub(text, keys().secrets())
    assert KEY not in out and SECRET not in out
    assert out.count(REDACTED) == 3
    assert scrub("abc-12", ["12"]) == "abc-12"  # too short to scrub
    assert scrub("x" + "abcdef" + "x", ["abcdef", "abcd"]) == f"x{REDACTED}x"
