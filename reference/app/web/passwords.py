"""Hash and check passwords with scrypt from the standard library."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

__all__ = ["hash_password", "verify_password"]

SCHEME = "scrypt"
COST, BLOCK_SIZE, PARALLELISM = 2**14, 8, 1
SALT_BYTES = 16
KEY_BYTES = 32
# Checked against when there is no stored hash, so an unknown email costs as much as a wrong password.
_NO_HASH_SALT = bytes(SALT_BYTES)


def hash_password(password: str) -> str:
    """Return `scrypt$n$r$p$salt$key` for *password*, with a fresh random salt."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = _derive(password, salt, COST, BLOCK_SIZE, PARALLELISM)
    return "$".join([SCHEME, str(COST), str(BLOCK_SIZE), str(PARALLELISM), _encode(salt), _encode(key)])


def verify_password(password: str, stored: str | None) -> bool:
    """Return whether *password* matches *stored*; a missing or malformed hash matches nothing."""
    try:
        scheme, cost, block_size, parallelism, salt, key = (stored or "").split("$")
        if scheme != SCHEME:
            raise ValueError(scheme)
        expected = base64.urlsafe_b64decode(key)
        derived = _derive(password, base64.urlsafe_b64decode(salt), int(cost), int(block_size), int(parallelism))
    except ValueError:
        _derive(password, _NO_HASH_SALT, COST, BLOCK_SIZE, PARALLELISM)
        return False
    return hmac.compare_digest(derived, expected)


def _derive(password: str, salt: bytes, cost: int, block_size: int, parallelism: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=cost, r=block_size, p=parallelism, dklen=KEY_BYTES)


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii")
