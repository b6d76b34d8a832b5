"""Encryption at rest for free text people write (notes): Fernet, key from the environment."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
from pathlib import Path
from typing import Protocol

from cryptography.fernet import Fernet, InvalidToken

from bot.settings import ENV_ENCRYPTION_KEY

__all__ = ["KEY_CHECK_TEXT", "Cipher", "KeyMismatch", "load_cipher", "verify_key"]

_LOG = logging.getLogger(__name__)
_MAX_TELEGRAM_ID = 1 << 53
#: What the key check decrypts to; only the key the data was written with opens it.
KEY_CHECK_TEXT = "bpd-peer-bot: this key opens this database"


class KeyMismatch(ValueError):
    """The encryption key does not open the data (the message says what to do)."""


class KeyCheckStore(Protocol):
    """What the key check needs from storage."""

    async def key_check(self) -> bytes | None:
        """The stored key check, if any."""
        ...

    async def set_key_check(self, value: bytes) -> None:
        """Store the key check."""
        ...

    async def any_ciphertext(self) -> bytes | None:
        """One stored ciphertext, if there is any."""
        ...


async def verify_key(store: KeyCheckStore, cipher: Cipher, where: str) -> None:
    """Make sure CIPHER opens what is stored in WHERE, or raise KeyMismatch; on a database
    that has no key check yet, write one."""
    check = await store.key_check()
    sample = check if check is not None else await store.any_ciphertext()
    if sample is not None:
        try:
            cipher.decrypt(sample)
        except ValueError:
            raise KeyMismatch(
                f"The encryption key does not match the data in {where}: what people wrote "
                f"(notes, drafts) was stored with another key and can't be read with this one. "
                f"Set {ENV_ENCRYPTION_KEY} to the key this database was written with (or put "
                "back the data folder's encryption.key file). If you meant to change the key, "
                "start with the old one and run `python -m bot rotate-key`."
            ) from None
    if check is None:
        await store.set_key_check(cipher.encrypt(KEY_CHECK_TEXT))


class Cipher:
    """Encrypts and decrypts short texts."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        self._id_key = hashlib.sha256(b"sealed-ids:" + key).digest()

    def encrypt(self, text: str) -> bytes:
        """Encrypt TEXT for storage."""
        return self._fernet.encrypt(text.encode("utf-8"))

    def decrypt(self, token: bytes) -> str:
        """Decrypt a stored text; raises ValueError if the key is wrong."""
        try:
            return self._fernet.decrypt(token).decode("utf-8")
        except InvalidToken as exc:
            raise ValueError("stored text cannot be decrypted with this key") from exc

    def _round(self, index: int, half: int) -> int:
        digest = hmac.new(
            self._id_key, bytes([index]) + half.to_bytes(4, "big"), hashlib.sha256
        ).digest()
        return int.from_bytes(digest[:4], "big")

    def seal_id(self, number: int) -> str:
        """A short opaque token for a Telegram id, safe to put in button data.

        A keyed four-round Feistel permutation of 64 bits: the same id always gives the same
        token, and without the key neither side can read or forge one.
        """
        if not 0 <= number < _MAX_TELEGRAM_ID:
            raise ValueError("only Telegram ids (at most 53 bits) can be sealed")
        left, right = number >> 32, number & 0xFFFFFFFF
        for index in range(4):
            left, right = right, left ^ self._round(index, right)
        token = ((left << 32) | right).to_bytes(8, "big")
        return base64.urlsafe_b64encode(token).rstrip(b"=").decode()

    def open_id(self, token: str) -> int:
        """The id inside a token made by seal_id; ValueError if it is not one.

        Any well-formed token opens to some id (it is a permutation), so callers still check
        that the id is one the person may act on.
        """
        if len(token) != 11 or not all(c.isalnum() or c in "-_" for c in token):
            raise ValueError("not a sealed id")
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (ValueError, TypeError) as exc:
            raise ValueError("not a sealed id") from exc
        if len(raw) != 8:
            raise ValueError("not a sealed id")
        value = int.from_bytes(raw, "big")
        left, right = value >> 32, value & 0xFFFFFFFF
        for index in reversed(range(4)):
            left, right = right ^ self._round(index, left), left
        number = (left << 32) | right
        if number >= _MAX_TELEGRAM_ID:
            # A forged token: real ones only ever seal Telegram ids (at most 52 bits).
            raise ValueError("not a sealed id")
        return number


def load_cipher(data_dir: Path) -> tuple[Cipher, bool]:
    """The cipher from $BOT_ENCRYPTION_KEY, else from a key file made once in DATA_DIR.

    Returns (cipher, generated) where generated says a new key file was just written, so the
    caller can warn that the key must be backed up.
    """
    env = os.environ.get(ENV_ENCRYPTION_KEY)
    if env:
        try:
            return Cipher(env.encode()), False
        except ValueError as exc:
            raise ValueError(
                f"{ENV_ENCRYPTION_KEY} is not a valid key. Make one with: python -c "
                "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
            ) from exc
    key_file = data_dir / "encryption.key"
    if key_file.is_file():
        return Cipher(key_file.read_bytes().strip()), False
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(key_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(Fernet.generate_key())
    _LOG.warning(
        "No %s was set, so a new encryption key was written to the data folder. Back it up: "
        "without it, stored notes cannot be read.",
        ENV_ENCRYPTION_KEY,
    )
    return Cipher(key_file.read_bytes().strip()), True
