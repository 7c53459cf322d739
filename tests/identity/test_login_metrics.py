"""The login metrics the dashboard shows: each refusal counted by its reason, each lock once."""
import eventlet

from shared.errors import TooManyRequests, Unauthorized
from shared.testing import metric

from .conftest import staff_account
from .test_login import login, refused

ADDRESS = "203.0.113.9"
REASONS = ("unknown_username", "wrong_password", "no_password", "disabled", "locked", "address_throttled")


def failures() -> dict[str, float]:
    return {reason: metric("salon_login_failures_total", service="identity", reason=reason)
            for reason in REASONS}


def lockouts() -> dict[str, float]:
    return {account: metric("salon_account_lockouts_total", service="identity", account=account)
            for account in ("existing", "unknown")}


def moved(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {key: after[key] - before[key] for key in before if after[key] != before[key]}


def test_each_refused_login_counts_one_failure_by_its_reason_and_a_success_none(rpc):
    account = staff_account(rpc)
    before = failures()

    login(rpc)
    assert moved(before, failures()) == {}

    refused(lambda: login(rpc, password="not the password"))
    refused(lambda: login(rpc, username="ghost"))
    rpc.update_account(account_id=account["account_id"], expected_version=1, disabled=True)
    refused(lambda: login(rpc))  # the right password, for a disabled account

    assert moved(before, failures()) == {"wrong_password": 1, "unknown_username": 1, "disabled": 1}


def test_the_failure_that_reaches_the_limit_counts_one_lockout_and_what_it_denies_counts_as_locked(rpc):
    staff_account(rpc)
    before_failures, before_lockouts = failures(), lockouts()
    for i in range(4):
        refused(lambda i=i: login(rpc, password=f"guess number {i}"))
    assert moved(before_lockouts, lockouts()) == {}

    refused(lambda: login(rpc, password="guess number 4"))
    assert moved(before_lockouts, lockouts()) == {"existing": 1}

    for _ in range(3):
        assert isinstance(refused(lambda: login(rpc)), TooManyRequests)
    assert moved(before_failures, failures()) == {"wrong_password": 5, "locked": 3}
    assert moved(before_lockouts, lockouts()) == {"existing": 1}  # denials neither extend nor recount it

    # A username no account has locks the same way, and is told apart here only.
    for _ in range(5):
        refused(lambda: login(rpc, username="ghost"))
    assert moved(before_lockouts, lockouts()) == {"existing": 1, "unknown": 1}


def test_an_address_failing_too_often_counts_address_throttled(rpc, monkeypatch):
    monkeypatch.setenv("LOGIN_ADDRESS_ATTEMPTS", "3")
    staff_account(rpc)
    before_failures, before_lockouts = failures(), lockouts()
    for name in ("ghost-1", "ghost-2", "ghost-3"):
        refused(lambda name=name: login(rpc, username=name, client_address=ADDRESS))

    assert isinstance(refused(lambda: login(rpc, client_address=ADDRESS)), TooManyRequests)
    assert moved(before_failures, failures()) == {"unknown_username": 3, "address_throttled": 1}
    assert moved(before_lockouts, lockouts()) == {}  # no username reached its own limit


def test_failures_at_the_same_time_count_their_lock_once(rpc, callers):
    staff_account(rpc)
    proxies = callers(10)
    before_failures, before_lockouts = failures(), lockouts()

    def attempt(proxy):
        try:
            login(proxy, password="not the password")
        except (Unauthorized, TooManyRequests) as exc:
            return type(exc)
        return None

    outcomes = list(eventlet.GreenPool(len(proxies)).imap(attempt, proxies))

    assert sorted(o.__name__ for o in outcomes) == ["TooManyRequests"] * 5 + ["Unauthorized"] * 5
    assert moved(before_failures, failures()) == {"wrong_password": 5, "locked": 5}
    assert moved(before_lockouts, lockouts()) == {"existing": 1}
