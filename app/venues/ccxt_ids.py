"""Our client order id (``app.core.client_ids``: ``AD`` + base 36, ``[A-Za-z0-9]{1,32}``) as each
exchange wants it, and back.

ccxt takes ``params={'clientOrderId': ...}`` on all eight target exchanges and renames it (checked
in ccxt 4.5.90): binance ``newClientOrderId`` (cancel/fetch ``origClientOrderId``), okx
``clOrdId``, bybit ``orderLinkId``, gate ``text``, bitget ``clientOid``, mexc ``newClientOrderId``
(spot) / ``externalOid`` (swap), kraken ``cl_ord_id`` (but its ``fetch_order`` sends the id as
``userref``, an integer: fetch by listing instead), hyperliquid ``cloid``.

Where the exchange's alphabet or length refuses our id, the encoding is reversible:

- gate stores ``t-`` + id (ccxt adds the ``t-``) and allows 28 characters after it;
- kraken takes free text of at most 18 characters, or a UUID: a longer id is sent as 32 hex;
- hyperliquid takes only ``0x`` + 32 hex (16 bytes).

The 16-byte form (``_pack``): ``0xAD`` + the sequence number of an ``AD`` + base-36 id in 15 bytes
(any sequence below 2**120: every id ``IdBlock`` will hand out), or ``0xAE``, the length, and the
id as a base-62 number in 14 bytes (any id of at most 18 characters). An id that fits neither
raises ``ValueError``; so does an id longer than gate's 28. Reading back, anything that is not an
encoding of one of our ids gives ``None`` (an order placed by hand or by another program).
"""

from __future__ import annotations

import re
import string
from typing import Final

from app.core.client_ids import PREFIX, is_valid, to_base36

CCXT_PARAM: Final = "clientOrderId"

#: The exchange's own parameter that ccxt fills from ``clientOrderId`` on create.
VENUE_PARAM: Final[dict[str, str]] = {
    "binance": "newClientOrderId",
    "okx": "clOrdId",
    "bybit": "orderLinkId",
    "gate": "text",
    "bitget": "clientOid",
    "mexc": "newClientOrderId",
    "kraken": "cl_ord_id",
    "hyperliquid": "cloid",
}

#: What each exchange accepts in that parameter (exchange API docs; gate's rule is also in
#: ccxt's ``gate.create_order_request``). An exchange not listed gets our id unchanged.
VENUE_RULE: Final[dict[str, re.Pattern[str]]] = {
    "binance": re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$"),
    "okx": re.compile(r"^[A-Za-z0-9]{1,32}$"),
    "bybit": re.compile(r"^[A-Za-z0-9_-]{1,36}$"),
    "gate": re.compile(r"^t-[0-9A-Za-z_.-]{1,28}$"),
    "bitget": re.compile(r"^[A-Za-z0-9_.:-]{1,50}$"),
    "mexc": re.compile(r"^[A-Za-z0-9_-]{1,32}$"),
    "kraken": re.compile(r"^([!-~]{1,18}|[0-9a-f]{32})$"),
    "hyperliquid": re.compile(r"^0x[0-9a-f]{32}$"),
}

GATE_PREFIX: Final = "t-"
GATE_MAX: Final = 28
KRAKEN_TEXT_MAX: Final = 18

_TAG_SEQ: Final = 0xAD
_TAG_TEXT: Final = 0xAE
_SEQ_BYTES: Final = 15
_TEXT_BYTES: Final = 14
_TEXT_MAX: Final = 18  # 62**18 < 2**112
_B62: Final = string.digits + string.ascii_uppercase + string.ascii_lowercase
_SEQ_ID: Final = re.compile(rf"^{PREFIX}(0|[1-9a-z][0-9a-z]*)$")
_HEX32: Final = re.compile(r"^[0-9a-f]{32}$")


def venue_client_id(exchange_id: str, cid: str) -> str:
    """``cid`` as the exchange stores and reports it. ``ValueError`` if it cannot carry it."""
    if not is_valid(cid):
        raise ValueError(f"not one of our client order ids: {cid!r}")
    if exchange_id == "gate":
        if len(cid) > GATE_MAX:
            raise ValueError(f"gate takes at most {GATE_MAX} characters, {cid!r} has {len(cid)}")
        return GATE_PREFIX + cid
    if exchange_id == "hyperliquid":
        return "0x" + _pack(cid).hex()
    if exchange_id == "kraken" and len(cid) > KRAKEN_TEXT_MAX:
        return _pack(cid).hex()
    return cid


def client_id_params(exchange_id: str, cid: str) -> dict[str, str]:
    """The ``params`` that make ccxt's ``create_order`` send ``cid``; also right for cancel and
    fetch by client id on every target but kraken (see the module docstring)."""
    value = venue_client_id(exchange_id, cid)
    if exchange_id == "gate":
        value = cid  # ccxt adds the "t-"; given "t-..." it would count the prefix in the 28
    return {CCXT_PARAM: value}


def our_client_id(exchange_id: str, venue_cid: str | None) -> str | None:
    """Our id back from an order's ``clientOrderId`` as ccxt parsed it; ``None`` if not ours."""
    if not venue_cid:
        return None
    cid: str | None = venue_cid
    if exchange_id == "gate":
        cid = venue_cid[len(GATE_PREFIX) :] if venue_cid.startswith(GATE_PREFIX) else None
    elif exchange_id == "hyperliquid":
        cid = _unpack_hex(venue_cid[2:]) if venue_cid[:2].lower() == "0x" else None
    elif exchange_id == "kraken" and len(venue_cid.replace("-", "")) == 32:
        cid = _unpack_hex(venue_cid.replace("-", ""))
    if cid is None or not is_valid(cid):
        return None
    try:
        sent = venue_client_id(exchange_id, cid)
    except ValueError:
        return None
    # the one form we would have sent (kraken may show a UUID with dashes, hex in any case)
    return cid if sent in (venue_cid, venue_cid.lower().replace("-", "")) else None


def _pack(cid: str) -> bytes:
    """16 bytes that give ``cid`` back (module docstring)."""
    if _SEQ_ID.match(cid):
        seq = int(cid[len(PREFIX) :], 36)
        if seq < 1 << (8 * _SEQ_BYTES):
            return bytes([_TAG_SEQ]) + seq.to_bytes(_SEQ_BYTES, "big")
    if len(cid) <= _TEXT_MAX:
        number = 0
        for char in cid:
            number = number * 62 + _B62.index(char)
        return bytes([_TAG_TEXT, len(cid)]) + number.to_bytes(_TEXT_BYTES, "big")
    raise ValueError(f"{cid!r} does not fit 16 bytes")


def _unpack(raw: bytes) -> str | None:
    if len(raw) != 16:
        return None
    if raw[0] == _TAG_SEQ:
        return PREFIX + to_base36(int.from_bytes(raw[1:], "big"))
    if raw[0] == _TAG_TEXT and 1 <= raw[1] <= _TEXT_MAX:
        number, chars = int.from_bytes(raw[2:], "big"), []
        for _ in range(raw[1]):
            number, digit = divmod(number, 62)
            chars.append(_B62[digit])
        return "".join(reversed(chars)) if number == 0 else None
    return None


def _unpack_hex(text: str) -> str | None:
    text = text.lower()
    if not _HEX32.match(text):
        return None
    cid = _unpack(bytes.fromhex(text))
    # only the one encoding _pack would choose counts (a text-tagged "AD1" is not ours)
    return cid if cid is not None and is_valid(cid) and _pack(cid).hex() == text else None
