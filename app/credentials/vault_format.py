"""The vault's bytes: a versioned header, then AES-256-GCM ciphertext with the header as AAD.

Layout (big-endian), 57 bytes of header then the ciphertext and its 16-byte tag::

    magic   8   b"ARBDVAUL"
    version 1   1
    kdf     1   1 = scrypt
    log2_n  1   scrypt cost, n = 2**log2_n
    r       1   scrypt block size
    p       1   scrypt parallelism
    salt    16  random, new with every passphrase
    check   16  HMAC-SHA256(second half of the scrypt output, CHECK_LABEL)[:16]
    nonce   12  random, new with every write

scrypt gives 64 bytes: the first 32 are the AES key, the last 32 key the check value. The check
tells a wrong passphrase apart from a damaged file (it tells an attacker nothing that trying to
decrypt would not). Every header byte is authenticated: as AAD, and through the key for the KDF
fields, so a changed byte is always refused.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
import unicodedata
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from app.credentials.errors import VaultDamaged, WrongPassphrase

MAGIC = b"ARBDVAUL"
FORMAT_VERSION = 1
KDF_SCRYPT = 1
SALT_LEN = 16
CHECK_LEN = 16
NONCE_LEN = 12
TAG_LEN = 16
CHECK_LABEL = b"arbdesk vault passphrase check v1"
HEADER = struct.Struct(f">8sBBBBB{SALT_LEN}s{CHECK_LEN}s{NONCE_LEN}s")
# What a header may ask of us when read: enough for any sane setting, not a memory bomb.
MAX_LOG2_N = 20
MAX_R = 16
MAX_P = 4


@dataclass(frozen=True, slots=True)
class ScryptParams:
    """scrypt cost. The default (n=2**15, r=8, p=1: ~100 ms, 32 MiB) is the floor for real vaults;
    tests may pass a cheaper one explicitly."""

    log2_n: int = 15
    r: int = 8
    p: int = 1

    def __post_init__(self) -> None:
        if not (1 <= self.log2_n <= MAX_LOG2_N and 1 <= self.r <= MAX_R and 1 <= self.p <= MAX_P):
            raise ValueError(f"scrypt parameters out of range: {self}")

    @property
    def n(self) -> int:
        return 1 << self.log2_n

    def weaker_than(self, other: ScryptParams) -> bool:
        return self.n * self.r * self.p < other.n * other.r * other.p


DEFAULT_KDF = ScryptParams()


@dataclass(frozen=True, slots=True, repr=False)
class VaultKey:
    """A derived key and the salt and parameters it was derived with."""

    params: ScryptParams
    salt: bytes
    aes_key: bytes
    check: bytes

    def __repr__(self) -> str:
        return f"VaultKey(params={self.params}, salt=<{len(self.salt)} bytes>)"


@dataclass(frozen=True, slots=True)
class Header:
    params: ScryptParams
    salt: bytes
    check: bytes
    nonce: bytes
    raw: bytes


def derive(passphrase: str, params: ScryptParams, salt: bytes | None = None) -> VaultKey:
    """scrypt over the NFC form of the passphrase (the same words typed on another keyboard
    layout or OS give the same key); a new random salt unless one is given."""
    salt = os.urandom(SALT_LEN) if salt is None else salt
    normalized = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    kdf = Scrypt(salt=salt, length=64, n=params.n, r=params.r, p=params.p)
    out = kdf.derive(normalized)
    check = hmac.new(out[32:], CHECK_LABEL, hashlib.sha256).digest()[:CHECK_LEN]
    return VaultKey(params=params, salt=salt, aes_key=out[:32], check=check)


def parse_header(data: bytes) -> Header:
    if not data.startswith(MAGIC) and not (len(data) < len(MAGIC) and MAGIC.startswith(data)):
        raise VaultDamaged("the file is not an ArbDesk vault")
    if len(data) < HEADER.size:
        raise VaultDamaged("the vault file is truncated")
    _magic, version, kdf, log2_n, r, p, salt, check, nonce = HEADER.unpack_from(data)
    if version != FORMAT_VERSION:
        raise VaultDamaged(f"the vault has format version {version}; this ArbDesk reads only 1")
    if kdf != KDF_SCRYPT:
        raise VaultDamaged(f"the vault uses an unknown key derivation ({kdf})")
    try:
        params = ScryptParams(log2_n=log2_n, r=r, p=p)
    except ValueError:
        raise VaultDamaged("the vault header has impossible scrypt parameters") from None
    return Header(params, salt, check, nonce, data[: HEADER.size])


def seal(plaintext: bytes, key: VaultKey) -> bytes:
    """Header and ciphertext, with a fresh nonce."""
    nonce = os.urandom(NONCE_LEN)
    p = key.params
    header = HEADER.pack(
        MAGIC, FORMAT_VERSION, KDF_SCRYPT, p.log2_n, p.r, p.p, key.salt, key.check, nonce
    )
    return header + AESGCM(key.aes_key).encrypt(nonce, plaintext, header)


def key_matches(header: Header, key: VaultKey) -> bool:
    return header.params == key.params and header.salt == key.salt


def unseal(data: bytes, header: Header, key: VaultKey) -> bytes:
    """The plaintext; ``WrongPassphrase`` or ``VaultDamaged`` (truncated, tampered) otherwise."""
    if not hmac.compare_digest(header.check, key.check):
        raise WrongPassphrase("wrong passphrase (or the vault's header was changed)")
    body = data[HEADER.size :]
    if len(body) < TAG_LEN:
        raise VaultDamaged("the vault file is truncated")
    try:
        return AESGCM(key.aes_key).decrypt(header.nonce, body, header.raw)
    except InvalidTag:
        raise VaultDamaged(
            "the vault file was changed or damaged (truncated, or bytes altered): it does not "
            "authenticate"
        ) from None
