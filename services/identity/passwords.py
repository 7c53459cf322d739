"""Password hashing: argon2id with OWASP's parameters, run in OS threads so the hub keeps going."""
import secrets

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from eventlet import tpool

# OWASP password storage cheat sheet: argon2id, 19 MiB, 2 iterations, 1 lane.
HASHER = argon2.PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, type=argon2.Type.ID)


def hash_password(password: str) -> str:
    return tpool.execute(HASHER.hash, password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return tpool.execute(HASHER.verify, password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    except UnicodeEncodeError:  # a lone surrogate: no stored password has one (check_password)
        return False


def dummy_hash() -> str:
    """A hash nobody knows the password of, with the same parameters, so that logging in as
    an unknown user costs one verify just like a wrong password does."""
    return HASHER.hash(secrets.token_urlsafe(24))
