"""The write path's HMAC-SHA256 (`core/keyed_hash.py`) is the standard one: the same bytes as the library's
`hmac.digest` for every key length (short, a block, longer than a block) and every message."""

from __future__ import annotations

import hmac
import os

import pytest

from civicledger.core.keyed_hash import KeyedSha256


@pytest.mark.parametrize("key_length", [0, 1, 16, 32, 63, 64, 65, 100, 200])
def test_it_is_hmac_sha256(key_length: int) -> None:
    key = os.urandom(key_length)
    keyed = KeyedSha256(key)

    for message in (b"", b"x", b"resident_id_number\x00440105198001010010", os.urandom(64), os.urandom(5000)):
        assert keyed.digest(message) == hmac.digest(key, message, "sha256")
        assert keyed.hexdigest(message) == hmac.digest(key, message, "sha256").hex()


def test_one_key_serves_many_messages_independently() -> None:
    keyed = KeyedSha256(b"chain key" * 4)

    first = keyed.digest(b"one")
    keyed.digest(b"two")

    assert keyed.digest(b"one") == first
