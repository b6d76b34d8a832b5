"""Text at rest and ids in buttons: encrypted, sealed, and impossible to forge."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.crypto import Cipher, load_cipher


def test_notes_round_trip_and_are_not_plain() -> None:
    cipher = Cipher(Fernet.generate_key())
    token = cipher.encrypt("I felt better after the walk")
    assert b"walk" not in token
    assert cipher.decrypt(token) == "I felt better after the walk"
    with pytest.raises(ValueError):
        Cipher(Fernet.generate_key()).decrypt(token)


def test_sealed_ids_round_trip_and_hide_the_id() -> None:
    cipher = Cipher(Fernet.generate_key())
    for number in (0, 1, 2002, 7_000_000_001, (1 << 52) + 12345, (1 << 53) - 1):
        token = cipher.seal_id(number)
        assert len(token) == 11
        assert str(number) not in token or number < 10
        assert cipher.open_id(token) == number
    other = Cipher(Fernet.generate_key())
    assert other.seal_id(2002) != cipher.seal_id(2002)
    for bad in ("short", "bad!chars!!", "", "x" * 12):
        with pytest.raises(ValueError):
            cipher.open_id(bad)
    for out_of_range in (-1, 1 << 53, (1 << 64) - 1):
        with pytest.raises(ValueError):
            cipher.seal_id(out_of_range)


def test_a_forged_token_that_opens_beyond_telegram_ids_is_refused() -> None:
    # Any 11-character token is a permutation of some 64-bit number; almost all of those are
    # beyond Telegram's ids (and beyond what SQLite can store), and must not open.
    cipher = Cipher(Fernet.generate_key())
    refused = 0
    for n in range(200):
        token = base64.urlsafe_b64encode(n.to_bytes(8, "big")).rstrip(b"=").decode()
        try:
            assert cipher.open_id(token) < 1 << 53
        except ValueError:
            refused += 1
    assert refused > 190


def test_key_file_is_made_once_with_owner_only_permissions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BOT_ENCRYPTION_KEY", raising=False)
    first, generated = load_cipher(tmp_path)
    assert generated
    key_file = tmp_path / "encryption.key"
    assert os.stat(key_file).st_mode & 0o777 == 0o600
    second, generated_again = load_cipher(tmp_path)
    assert not generated_again
    assert second.decrypt(first.encrypt("same key")) == "same key"
