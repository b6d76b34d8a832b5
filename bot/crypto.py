"""Encryption at rest for free text people write (notes): Fernet, key from the environment."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from bot.settings import ENV_ENCRYPTION_KEY

__all__ = ["Cipher", "load_cipher"]

_LOG = logging.getLogger(__name__)


class Cipher:
    """Encrypts and decrypts short texts."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def encrypt(self, text: str) -> bytes:
        """Encrypt TEXT for storage."""
        return self._fernet.encrypt(text.encode("utf-8"))

    def decrypt(self, token: bytes) -> str:
        """Decrypt a stored text; raises ValueError if the key is wrong."""
        try:
            return self._fernet.decrypt(token).decode("utf-8")
        except InvalidToken as exc:
            raise ValueError("stored text cannot be decrypted with this key") from exc


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
        "without it, stored notes cannot be read.", ENV_ENCRYPTION_KEY,
    )
    return Cipher(key_file.read_bytes().strip()), True
