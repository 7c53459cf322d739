"""Identity's pure rules: username and password policy, grants, lockout arithmetic."""
import pytest

from services.identity.domain import (
    LockoutPolicy,
    check_password,
    checked_grants,
    checked_username,
    locked_until,
)
from shared.errors import Unprocessable

POLICY = LockoutPolicy(attempts=5, window=900, duration=900)


def test_usernames_are_trimmed_lower_case_and_checked():
    assert checked_username("  Amelie.B@Salon.FR ") == "amelie.b@salon.fr"
    for bad in ("ab", "with space", "-leading", None, "x" * 101):
        with pytest.raises(Unprocessable):
            checked_username(bad)


def test_password_policy():
    check_password("ten chars!", "amelie")
    for bad in ("nine char", "x" * 129, "Amelie1234", None):
        with pytest.raises(Unprocessable):
            check_password(bad, "amelie1234")


def test_grants_are_deduplicated_and_the_customer_role_needs_sign_up():
    grant = {"role": "staff", "store_id": "lyon"}
    assert checked_grants([grant, dict(grant)]) == [grant]
    assert checked_grants([{"role": "customer"}], allow_customer=True) == [
        {"role": "customer", "store_id": None}]
    with pytest.raises(Unprocessable):
        checked_grants([{"role": "customer"}])


def failures(*times):
    return [(t, "failed") for t in times]


def test_the_fifth_failure_within_the_window_locks_for_the_duration_from_it():
    assert locked_until(failures(0, 10, 20, 30), POLICY) is None
    assert locked_until(failures(0, 10, 20, 30, 40), POLICY) == 940


def test_failures_outside_the_window_do_not_count():
    assert locked_until(failures(0, 100, 200, 300, 1000), POLICY) is None
    assert locked_until(failures(0, 100, 200, 300, 1000, 1050), POLICY) is None  # 0 and 100 left
    assert locked_until(failures(0, 100, 200, 300, 1000, 1050, 1090), POLICY) == 1990


def test_a_success_starts_the_count_again():
    assert locked_until(failures(0, 1, 2, 3) + [(4, "success")] + failures(5, 6, 7, 8), POLICY) is None


def test_after_a_lock_ends_the_count_starts_again():
    attempts = failures(0, 1, 2, 3, 4) + failures(905)
    assert locked_until(attempts, POLICY) is None
    assert locked_until(attempts + failures(906, 907, 908, 909), POLICY) == 1809
