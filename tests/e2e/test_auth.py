"""Logging in, tokens and their attacks, lockout, throttles and rate limits, end to end."""
import subprocess
import sys
import time

import jwt
import pytest
import requests

from shared.config import ROOT
from shared.testing import poll_until
from tests.e2e.conftest import Api, free_port
from tests.e2e.test_walking_skeleton import assert_problem

PASSWORD = "correct horse battery"


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def test_login_gives_a_short_lived_access_token_and_a_refresh_token(make_user):
    manager = make_user(("store_manager", "paris-opera"))
    tokens = manager.login(manager.username, PASSWORD)
    assert tokens["token_type"] == "Bearer"
    assert 0 < tokens["expires_in"] <= 3600 < tokens["refresh_expires_in"]
    claims = claims_of(tokens["access_token"])
    assert claims["sub"] == manager.account["account_id"]
    assert {"exp", "iat", "iss", "aud", "sid", "jti"} <= set(claims)
    me = manager.as_(tokens["access_token"]).get("/api/v1/me").json()
    assert me["grants"] == [{"role": "store_manager", "store_id": "paris-opera"}]


def test_a_request_without_a_token_is_401_with_a_bearer_challenge(anonymous):
    answer = anonymous.get("/api/v1/me")
    assert_problem(answer, 401)
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer not-a-jwt"])
def test_a_malformed_authorization_header_is_401(anonymous, header):
    assert_problem(anonymous.get("/api/v1/me", headers={"Authorization": header}), 401)


def _forged(system, claims: dict, key: str | None = None, algorithm: str = "HS256", **changes):
    return jwt.encode({**claims, **changes}, key if key is not None else system.env["AUTH_SECRET"],
                      algorithm=algorithm)


@pytest.mark.parametrize("attack", ["alg-none", "other-algorithm", "other-key", "wrong-audience",
                                    "wrong-issuer", "expired", "missing-session"])
def test_a_forged_or_stale_token_is_refused(system, api, attack):
    claims = claims_of(api.token)
    now = int(time.time())
    if attack == "alg-none":
        token = jwt.encode(claims, None, algorithm="none")
    elif attack == "other-algorithm":
        token = _forged(system, claims, algorithm="HS512")
    elif attack == "other-key":
        token = _forged(system, claims, key="k" * 64)
    elif attack == "wrong-audience":
        token = _forged(system, claims, aud="someone-else")
    elif attack == "wrong-issuer":
        token = _forged(system, claims, iss="evil")
    elif attack == "expired":
        token = _forged(system, claims, iat=now - 3600, exp=now - 60)
    else:
        token = _forged(system, {k: v for k, v in claims.items() if k != "sid"})
    # The untouched token still works: each refusal is down to the one thing changed.
    assert api.get("/api/v1/me").status_code == 200
    assert_problem(api.as_(token).get("/api/v1/me"), 401)


def test_a_well_signed_token_for_a_session_that_does_not_exist_is_refused(system, api):
    token = _forged(system, claims_of(api.token), sid="00000000-0000-4000-8000-000000000000")
    assert_problem(api.as_(token).get("/api/v1/me"), 401)


def test_refresh_rotates_and_a_reused_refresh_token_ends_the_session(make_user):
    user = make_user(("staff", "paris-opera"))
    first = user.login(user.username, PASSWORD)
    second = user.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert user.as_(second["access_token"]).get("/api/v1/me").status_code == 200
    replay = user.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert_problem(replay, 401)
    # A replayed refresh token means it leaked: the whole session ends, new tokens included.
    assert_problem(user.as_(second["access_token"]).get("/api/v1/me"), 401)
    assert_problem(user.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}), 401)


def test_logout_revokes_the_access_and_the_refresh_token(make_user):
    user = make_user(("staff", "paris-opera"))
    tokens = user.login(user.username, PASSWORD)
    session = user.as_(tokens["access_token"])
    assert session.post("/api/v1/auth/logout").json() == {"revoked": True}
    assert_problem(session.get("/api/v1/me"), 401)
    assert_problem(user.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}), 401)


def test_unknown_user_and_wrong_password_get_the_same_answer(make_user, anonymous):
    user = make_user(("staff", "paris-opera"))
    wrong = anonymous.post("/api/v1/auth/token", json={"username": user.username, "password": "nope-nope-1"})
    unknown = anonymous.post("/api/v1/auth/token", json={"username": "nobody-" + user.username,
                                                         "password": "nope-nope-1"})
    a, b = assert_problem(wrong, 401), assert_problem(unknown, 401)
    a.pop("correlation_id"), b.pop("correlation_id")
    assert a == b


def test_five_failures_lock_the_username_even_against_the_right_password(make_user, system):
    user = make_user(("staff", "paris-opera"))
    client = Api(system.gateway)
    for _ in range(5):
        assert client.post("/api/v1/auth/token", json={
            "username": user.username, "password": "wrong-password"}).status_code == 401
    locked = client.post("/api/v1/auth/token", json={"username": user.username, "password": PASSWORD})
    body = assert_problem(locked, 429)
    assert 0 < int(locked.headers["Retry-After"]) <= 900 and body["retry_after"] > 0
    # From another address too: the lock is on the username, kept by identity for all replicas.
    elsewhere = Api(system.gateway).post("/api/v1/auth/token", json={
        "username": user.username, "password": PASSWORD})
    assert_problem(elsewhere, 429)


def test_one_address_failing_with_many_usernames_is_throttled(system):
    client = Api(system.gateway)
    for n in range(20):
        assert client.post("/api/v1/auth/token", json={
            "username": f"guess-{n}", "password": "wrong-password"}).status_code == 401
    answer = client.post("/api/v1/auth/token", json={"username": "guess-x", "password": "wrong-password"})
    assert_problem(answer, 429)
    assert int(answer.headers["Retry-After"]) > 0


def test_an_invalid_login_body_is_400_naming_the_fields(anonymous):
    body = assert_problem(anonymous.post("/api/v1/auth/token", json={"user": "x"}), 400)
    assert set(body["errors"]) == {"user", "username", "password"}


@pytest.fixture
def tight_gateway(system, published):
    """A second gateway replica with small rate limits, in front of the same services."""
    port = free_port()
    env = {**system.env, "GATEWAY_PORT": str(port), "RATE_LIMIT_PER_ADDRESS": "5",
           "RATE_LIMIT_PER_USER": "3", "RATE_LIMIT_PUBLIC_WRITES": "2"}
    proc = subprocess.Popen([sys.executable, "-m", "shared.serve", "gateway"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"

    def ready():
        # Readiness, not liveness: the replica serves HTTP before its RPC reply queue
        # consumes, so only /readyz (an RPC round trip to every service) says it can
        # authenticate. A fresh address per poll keeps the tight per-address budget intact.
        try:
            return Api(base).get("/readyz").status_code == 200
        except requests.RequestException:
            return False
    try:
        poll_until(ready, timeout=30, what="second gateway ready")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_rate_limit_per_address_answers_429_with_retry_after(tight_gateway):
    client = Api(tight_gateway)
    codes = [client.get("/healthz").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    refused = client.get("/healthz")
    assert_problem(refused, 429)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert Api(tight_gateway).get("/healthz").status_code == 200  # other addresses are unaffected


def test_rate_limit_per_user_holds_across_addresses(tight_gateway, api):
    codes = [Api(tight_gateway, api.token).get("/api/v1/me").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_a_logout_refused_for_a_bad_token_is_audited_by_the_gateway(api, anonymous):
    refused = anonymous.post("/api/v1/auth/logout", headers={"Authorization": "Bearer forged"})
    assert_problem(refused, 401)
    cid = refused.headers["X-Correlation-Id"]

    def entry():
        items = api.get("/api/v1/audit", params={"operation": "logout", "limit": 200}).json()["items"]
        return [e for e in items if e["correlation_id"] == cid]
    found = poll_until(entry, what="refused logout audited")[0]
    assert (found["outcome"], found["status"], found["client_address"]) == ("denied", 401, anonymous.address)


def test_anonymous_writes_have_a_tighter_budget_than_reads(tight_gateway):
    client = Api(tight_gateway)
    login = {"username": "nobody-here", "password": "wrong-password"}
    codes = [client.post("/api/v1/auth/token", json=login).status_code for _ in range(3)]
    assert codes == [401, 401, 429]
    # Counted as the anonymous-write limit it is, not as the per-address one it is not.
    text = Api(tight_gateway).get("/metrics").text
    assert 'salon_rate_limited_total{limit="public_write"} 1.0' in text
    assert 'salon_rate_limited_total{limit="address"}' not in text
    assert client.get("/healthz").status_code == 200  # reads from that address still go through
