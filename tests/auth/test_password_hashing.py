"""The app's password hashes are argon2id with the library's strong defaults.

The suite's accounts carry a light hash for speed (tests/factories.py); this checks that
nothing the app itself stores is light, and that a light hash is still verified the same way.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.profiles import RFC_9106_LOW_MEMORY

from app.security import hash_password, verify_password
from tests.factories import LIGHT_HASH, PASSWORD


def _parameters(stored: str) -> str:
    return stored.split("$")[3]


def test_the_app_hashes_with_argon2id_and_strong_parameters() -> None:
    stored = hash_password("a long and private phrase")
    assert stored.startswith("$argon2id$")
    profile = RFC_9106_LOW_MEMORY
    expected = f"m={profile.memory_cost},t={profile.time_cost},p={profile.parallelism}"
    assert _parameters(stored) == expected
    assert profile.memory_cost >= 65536 and profile.time_cost >= 3
    assert PasswordHasher().memory_cost == profile.memory_cost  # the library's default


def test_a_hash_is_verified_with_the_parameters_it_carries() -> None:
    assert _parameters(LIGHT_HASH) != _parameters(hash_password(PASSWORD))
    assert verify_password(PASSWORD, LIGHT_HASH)
    assert not verify_password(PASSWORD + "!", LIGHT_HASH)
