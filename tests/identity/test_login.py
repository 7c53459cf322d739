"""Logins, sessions and refresh tokens; lockout per username and throttling per address."""
import time

import eventlet
import pytest
from sqlalchemy import select

from services.identity import lockout, service
from services.identity.tables import login_attempts
from shared.errors import TooManyRequests, Unauthorized
from shared.testing import poll_until

from .conftest import PASSWORD, register, staff_account

ADDRESS = "203.0.113.9"


def login(rpc, username="amelie", password=PASSWORD, **kwargs) -> dict:
    return rpc.issue_token(username=username, password=password, **kwargs)


def refused(call) -> Exception:
    with pytest.raises((Unauthorized, TooManyRequests)) as caught:
        call()
    return caught.value


def test_login_issues_tokens_whose_session_principal_answers_for(rpc, tokens):
    account = staff_account(rpc)

    issued = login(rpc, username=" AMELIE ")

    assert issued["token_type"] == "Bearer"
    assert issued["expires_in"] == tokens.ttl
    assert issued["refresh_expires_in"] == 1209600
    claims = tokens.verify(issued["access_token"])
    assert claims["sub"] == account["account_id"]
    assert claims["roles"] == ["staff"]
    assert issued["refresh_token"].startswith(claims["sid"] + ".")
    assert rpc.principal(session_id=claims["sid"], account_id=claims["sub"]) == {
        "account_id": account["account_id"], "username": "amelie", "session_id": claims["sid"],
        "grants": [{"role": "staff", "store_id": "paris-opera"}], "member_id": None}
    with pytest.raises(Unauthorized):
        rpc.principal(session_id=claims["sid"], account_id="someone-else")
    with pytest.raises(Unauthorized):
        rpc.principal(session_id="no-such-session", account_id=claims["sub"])


def test_unknown_user_and_wrong_password_look_the_same_and_cost_alike(rpc, monkeypatch):
    staff_account(rpc)
    verified = []
    real_verify = service.verify_password

    def counting_verify(password_hash, password):
        verified.append(password_hash.split("$")[1:4])
        return real_verify(password_hash, password)
    monkeypatch.setattr(service, "verify_password", counting_verify)

    wrong = [refused(lambda i=i: login(rpc, password=f"wrong password {i}")) for i in range(3)]
    unknown = [refused(lambda i=i: login(rpc, username=f"nobody-{i}")) for i in range(3)]

    messages = {(type(e), e.message, repr(e.details)) for e in wrong + unknown}
    assert messages == {(Unauthorized, "the username or password is wrong", "{}")}
    # Same cost, by construction rather than by a stopwatch (that figure is in bench/auth.py):
    # every attempt, known user or not, runs exactly one argon2 verify with the same parameters.
    assert verified == [["argon2id", "v=19", "m=19456,t=2,p=1"]] * 6


def test_failed_attempts_are_audited_although_the_call_fails(rpc):
    account = staff_account(rpc)

    refused(lambda: login(rpc, password="not the password", client_address=ADDRESS,
                          correlation_id="corr-1"))
    refused(lambda: login(rpc, username="ghost", client_address=ADDRESS))
    login(rpc, client_address=ADDRESS)

    items = rpc.audit_log(operation="issue_token")["items"]
    assert [(i["username"], i["outcome"], i["status"]) for i in items] == [
        ("amelie", "success", 200), ("ghost", "failed", 401), ("amelie", "failed", 401)]
    failed = items[2]
    assert (failed["actor_id"], failed["role"], failed["store_id"]) == (
        account["account_id"], "staff", "paris-opera")
    assert (failed["client_address"], failed["correlation_id"]) == (ADDRESS, "corr-1")
    assert items[1]["actor_id"] is None and items[1]["role"] is None


def test_five_failures_lock_the_username_even_for_the_right_password(rpc):
    staff_account(rpc)
    for i in range(5):
        assert isinstance(refused(lambda i=i: login(rpc, password=f"guess number {i}")), Unauthorized)

    locked = refused(lambda: login(rpc))
    assert isinstance(locked, TooManyRequests)
    assert locked.message == "too many failed attempts; try again later"
    assert 890 <= locked.retry_after <= 900
    # Unknown usernames lock the same way (nothing tells them apart).
    for _ in range(5):
        refused(lambda: login(rpc, username="ghost"))
    assert isinstance(refused(lambda: login(rpc, username="ghost")), TooManyRequests)
    outcomes = [i["outcome"] for i in rpc.audit_log(username="amelie")["items"]]
    assert outcomes == ["denied"] + ["failed"] * 5


def test_a_success_before_the_limit_starts_the_count_again(rpc):
    staff_account(rpc)
    for _ in range(4):
        refused(lambda: login(rpc, password="not the password"))
    login(rpc)
    for _ in range(4):
        refused(lambda: login(rpc, password="not the password"))
    assert login(rpc)["access_token"]


def test_the_lock_ends_after_lockout_duration_and_denied_attempts_do_not_extend_it(rpc, monkeypatch):
    monkeypatch.setenv("LOCKOUT_DURATION", "1")
    staff_account(rpc)
    for _ in range(5):
        refused(lambda: login(rpc, password="not the password"))
    locked_at = time.monotonic()

    def logs_in():
        try:
            return login(rpc)
        except TooManyRequests as exc:
            assert exc.retry_after == 1
            return None

    issued = poll_until(logs_in, timeout=10, interval=0.1, what="the lock to end")
    assert issued["access_token"]
    assert time.monotonic() - locked_at < 3  # the denied polls did not push the end back
    outcomes = [i["outcome"] for i in rpc.audit_log(username="amelie")["items"]]
    assert outcomes[0] == "success" and "denied" in outcomes


def test_an_address_failing_too_often_is_throttled_for_every_username(rpc, monkeypatch):
    monkeypatch.setenv("LOGIN_ADDRESS_ATTEMPTS", "3")
    staff_account(rpc)
    for name in ("ghost-1", "ghost-2", "ghost-3"):
        refused(lambda name=name: login(rpc, username=name, client_address=ADDRESS))

    throttled = refused(lambda: login(rpc, client_address=ADDRESS))
    assert isinstance(throttled, TooManyRequests)
    assert 890 <= throttled.retry_after <= 900
    assert login(rpc, client_address="198.51.100.7")["access_token"]
    assert rpc.audit_log(username="amelie")["items"][-1]["outcome"] == "denied"


def test_refresh_rotates_and_a_reused_token_revokes_the_session(rpc, tokens):
    staff_account(rpc)
    first = login(rpc)
    sid = tokens.verify(first["access_token"])["sid"]

    second = rpc.refresh(refresh_token=first["refresh_token"])
    assert second["refresh_token"] != first["refresh_token"]
    assert tokens.verify(second["access_token"])["sid"] == sid
    assert 0 < second["refresh_expires_in"] <= first["refresh_expires_in"]

    stolen = refused(lambda: rpc.refresh(refresh_token=first["refresh_token"]))
    assert (type(stolen), stolen.message) == (Unauthorized, "the refresh token is not valid")
    # The replay ended the session: the legitimate holder's newer token is dead too.
    assert isinstance(refused(lambda: rpc.refresh(refresh_token=second["refresh_token"])), Unauthorized)
    with pytest.raises(Unauthorized):
        rpc.principal(session_id=sid, account_id=tokens.verify(first["access_token"])["sub"])
    outcomes = [i["outcome"] for i in rpc.audit_log(operation="refresh_token")["items"]]
    assert outcomes == ["failed", "failed", "success"]


@pytest.mark.parametrize("token", ["", "garbage", "no-such-session.abc", None])
def test_a_malformed_or_unknown_refresh_token_is_unauthorized(rpc, token):
    with pytest.raises(Unauthorized) as caught:
        rpc.refresh(refresh_token=token)
    assert caught.value.message == "the refresh token is not valid"


def test_an_expired_refresh_token_is_unauthorized(rpc, monkeypatch):
    monkeypatch.setenv("REFRESH_TOKEN_TTL", "0")
    staff_account(rpc)
    issued = login(rpc)
    with pytest.raises(Unauthorized):
        rpc.refresh(refresh_token=issued["refresh_token"])


def test_logout_ends_the_session_and_can_be_repeated(rpc, tokens):
    account = staff_account(rpc)
    issued = login(rpc)
    sid = tokens.verify(issued["access_token"])["sid"]

    assert rpc.logout(session_id=sid, actor_id=account["account_id"]) == {"revoked": True}
    assert rpc.logout(session_id=sid, actor_id=account["account_id"]) == {"revoked": True}
    with pytest.raises(Unauthorized) as ended:
        rpc.principal(session_id=sid, account_id=account["account_id"])
    assert ended.value.message == "the session has ended; log in again"
    with pytest.raises(Unauthorized):
        rpc.refresh(refresh_token=issued["refresh_token"])
    assert rpc.audit_log(operation="logout")["total"] == 2


def test_a_disabled_account_cannot_log_in_and_its_sessions_end(rpc, tokens):
    account = staff_account(rpc)
    issued = login(rpc)
    sid = tokens.verify(issued["access_token"])["sid"]

    rpc.update_account(account_id=account["account_id"], expected_version=1, disabled=True)

    with pytest.raises(Unauthorized):
        rpc.principal(session_id=sid, account_id=account["account_id"])
    with pytest.raises(Unauthorized):
        rpc.refresh(refresh_token=issued["refresh_token"])
    denied = refused(lambda: login(rpc))
    assert (type(denied), denied.message) == (Unauthorized, "the username or password is wrong")

    rpc.update_account(account_id=account["account_id"], expected_version=2, disabled=False)
    assert login(rpc)["access_token"]


def test_a_new_password_ends_the_sessions_of_the_old_one(rpc, tokens):
    made = register(rpc, username="camille")
    claims = tokens.verify(login(rpc, username="camille")["access_token"])
    assert claims["roles"] == ["customer"]
    assert rpc.principal(session_id=claims["sid"], account_id=made["account_id"])["member_id"] == \
        made["member_id"]

    rpc.set_password(account_id=made["account_id"], new_password="another long password")

    with pytest.raises(Unauthorized):
        rpc.principal(session_id=claims["sid"], account_id=made["account_id"])
    refused(lambda: login(rpc, username="camille"))
    assert login(rpc, username="camille", password="another long password")["access_token"]


def outcome_of(proxy, **kwargs) -> str:
    try:
        login(proxy, **kwargs)
    except Unauthorized:
        return "unauthorized"
    except TooManyRequests:
        return "throttled"
    return "success"


def all_at_once(proxies, **kwargs) -> list[str]:
    return list(eventlet.GreenPool(len(proxies)).imap(lambda p: outcome_of(p, **kwargs), proxies))


def test_concurrent_failures_cannot_overrun_the_username_lockout(rpc, callers, database):
    staff_account(rpc)

    outcomes = all_at_once(callers(10), password="not the password")

    # Each attempt is reserved (and counted) before its password is checked: five are
    # checked and fail, the other five find the username locked.
    assert sorted(outcomes) == ["throttled"] * 5 + ["unauthorized"] * 5
    assert isinstance(refused(lambda: login(rpc)), TooManyRequests)
    audited = [i["outcome"] for i in rpc.audit_log(username="amelie", limit=50)["items"]]
    assert sorted(audited) == ["denied"] * 6 + ["failed"] * 5
    with database.read() as conn:
        rows = conn.execute(select(login_attempts.c.outcome)).scalars().all()
    assert rows == ["failed"] * 5  # settled; denied attempts are not counted


def test_concurrent_failures_cannot_overrun_the_address_throttle(rpc, callers, monkeypatch):
    monkeypatch.setenv("LOGIN_ADDRESS_ATTEMPTS", "3")
    staff_account(rpc)
    proxies = callers(10)

    outcomes = list(eventlet.GreenPool(10).imap(
        lambda n: outcome_of(proxies[n], username=f"ghost-{n}", client_address=ADDRESS), range(10)))

    assert sorted(outcomes) == ["throttled"] * 7 + ["unauthorized"] * 3
    assert isinstance(refused(lambda: login(rpc, client_address=ADDRESS)), TooManyRequests)


def test_an_attempt_left_pending_counts_as_a_failure(rpc, database, monkeypatch):
    monkeypatch.setenv("LOGIN_ADDRESS_ATTEMPTS", "6")
    staff_account(rpc)
    # As a service stopped in the middle of checking passwords leaves them.
    with database.write() as conn:
        for _ in range(5):
            lockout.reserve(conn, "amelie", ADDRESS)

    assert isinstance(refused(lambda: login(rpc)), TooManyRequests)
    assert isinstance(refused(lambda: login(rpc, username="ghost", client_address=ADDRESS)),
                      Unauthorized)
    throttled = refused(lambda: login(rpc, username="ghost-2", client_address=ADDRESS))
    assert (type(throttled), throttled.message) == (
        TooManyRequests, "too many failed attempts from this address; try again later")


def test_what_a_login_records_is_cut_to_fit_and_cleaned(rpc, tokens):
    account = staff_account(rpc)
    address, correlation = "203.0.113.9\x00" + "a" * 300, "corr\x00" + "c" * 500

    issued = login(rpc, client_address=address, correlation_id=correlation)
    refused(lambda: login(rpc, username="ghost\x00" + "g" * 300, client_address=address,
                          correlation_id=correlation))
    refreshed = rpc.refresh(refresh_token=issued["refresh_token"], client_address=address,
                            correlation_id=correlation)
    sid = tokens.verify(refreshed["access_token"])["sid"]
    rpc.logout(session_id=sid, actor_id=account["account_id"], client_address=address,
               correlation_id=correlation)

    items = rpc.audit_log()["items"]
    assert [i["operation"] for i in items] == ["logout", "refresh_token", "issue_token", "issue_token"]
    for item in items:
        assert item["client_address"] == "203.0.113.9\ufffd" + "a" * 88
        assert item["correlation_id"] == "corr\ufffd" + "c" * 95
    assert items[2]["username"] == "ghost\ufffd" + "g" * 94
    # The cleaned address is the one the throttle counts.
    assert isinstance(refused(lambda: login(rpc, password="wrong password", client_address=address)),
                      Unauthorized)


def test_ids_no_database_could_hold_are_no_session(rpc):
    assert rpc.logout(session_id="s\x00") == {"revoked": True}
    for session_id, account_id in (("s\x00", "a"), ("s", "a\x00"), ("s" * 65, "a")):
        with pytest.raises(Unauthorized):
            rpc.principal(session_id=session_id, account_id=account_id)
    with pytest.raises(Unauthorized):
        rpc.refresh(refresh_token="s\x00.token")


def test_logout_records_who_logged_out(rpc, tokens):
    account = staff_account(rpc)
    sid = tokens.verify(login(rpc)["access_token"])["sid"]

    rpc.logout(session_id=sid, actor_id=account["account_id"], client_address=ADDRESS,
               correlation_id="corr-9", username="amelie", role="staff", store_id="paris-opera")

    [item] = rpc.audit_log(operation="logout")["items"]
    assert {k: item[k] for k in ("actor_id", "username", "role", "store_id", "target_id",
                                 "client_address", "correlation_id", "outcome", "status")} == {
        "actor_id": account["account_id"], "username": "amelie", "role": "staff",
        "store_id": "paris-opera", "target_id": sid, "client_address": ADDRESS,
        "correlation_id": "corr-9", "outcome": "success", "status": 200}
