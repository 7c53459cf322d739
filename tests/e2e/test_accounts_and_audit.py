"""Accounts, self-registration, If-Match, Idempotency-Key, the audit trail and the API documents."""
import json
import re
import uuid

import pytest

import services.identity.contracts  # noqa: F401  (registers the contracts looked up below)
import services.members.contracts  # noqa: F401
from shared.contracts import lookup
from shared.testing import envelope_validator, poll_until
from tests.e2e.test_walking_skeleton import assert_problem, fresh_slot

PASSWORD = "correct horse battery"


def test_hq_admin_creates_a_manager_account_that_can_log_in(api, make_user):
    manager = make_user(("store_manager", "paris-opera"), ("store_manager", "lyon-bellecour"))
    assert manager.account["grants"] == [{"role": "store_manager", "store_id": "paris-opera"},
                                         {"role": "store_manager", "store_id": "lyon-bellecour"}]
    listing = api.get("/api/v1/accounts", params={"store_id": "lyon-bellecour", "limit": 200}).json()
    assert manager.account["account_id"] in [a["account_id"] for a in listing["items"]]
    assert listing["limit"] == 200 and listing["total"] >= 1


@pytest.mark.parametrize("grants, field", [
    ([{"role": "store_manager"}], "grants"),
    ([{"role": "hq_admin", "store_id": "paris-opera"}], "grants"),
    ([{"role": "wizard"}], "grants"),
    ([], "grants"),
])
def test_an_account_with_impossible_grants_is_refused_naming_the_field(api, grants, field):
    answer = api.post("/api/v1/accounts", json={"username": f"u-{uuid.uuid4().hex[:8]}",
                                                "password": PASSWORD, "grants": grants})
    assert answer.status_code in (400, 422), answer.text
    assert field in assert_problem(answer, answer.status_code)["errors"]


def test_a_taken_username_is_409(api, make_user):
    user = make_user(("staff", "paris-opera"))
    answer = api.post("/api/v1/accounts", json={"username": user.username, "password": PASSWORD,
                                                "grants": [{"role": "staff", "store_id": "paris-opera"}]})
    assert_problem(answer, 409)


@pytest.mark.parametrize("role", [("store_manager", "paris-opera"), ("hq_analyst", None),
                                  ("staff", "paris-opera")])
def test_only_hq_admins_create_accounts(make_user, role):
    user = make_user(role)
    answer = user.post("/api/v1/accounts", json={"username": f"u-{uuid.uuid4().hex[:8]}",
                                                 "password": PASSWORD,
                                                 "grants": [{"role": "hq_admin"}]})
    assert_problem(answer, 403)


def test_an_update_needs_the_current_version_in_if_match(api, make_user):
    user = make_user(("staff", "paris-opera"))
    path = f"/api/v1/accounts/{user.account['account_id']}"
    read = api.get(path)
    etag = read.headers["ETag"]
    change = {"grants": [{"role": "staff", "store_id": "lyon-bellecour"}]}
    assert_problem(api.patch(path, json=change), 428)
    assert_problem(api.patch(path, json=change, headers={"If-Match": "soon"}), 400)
    first = api.patch(path, json=change, headers={"If-Match": etag})
    assert first.status_code == 200, first.text
    assert first.headers["ETag"] != etag
    # A second manager still holding the old version must not overwrite the first change.
    stale = api.patch(path, json={"disabled": True}, headers={"If-Match": etag})
    assert_problem(stale, 412)
    assert api.get(path).json()["grants"] == change["grants"]
    assert api.get(path).json()["disabled"] is False


def test_disabling_an_account_ends_its_sessions(api, make_user):
    user = make_user(("staff", "paris-opera"))
    path = f"/api/v1/accounts/{user.account['account_id']}"
    assert user.get("/api/v1/me").status_code == 200
    answer = api.patch(path, json={"disabled": True}, headers={"If-Match": api.get(path).headers["ETag"]})
    assert answer.status_code == 200, answer.text
    assert_problem(user.get("/api/v1/me"), 401)
    assert_problem(user.post("/api/v1/auth/token", json={"username": user.username,
                                                         "password": PASSWORD}), 401)


def test_a_customer_registers_and_reads_only_their_own_profile(make_customer, published):
    camille, other = make_customer(), make_customer()
    mine = camille.get(f"/api/v1/members/{camille.member_id}")
    assert mine.status_code == 200, mine.text
    assert mine.json()["consents"] == {"terms": True, "marketing_email": False, "marketing_sms": False}
    assert mine.json()["email"] == camille.username
    assert_problem(camille.get(f"/api/v1/members/{other.member_id}"), 404)

    def registered():
        events = [json.loads(m.body) for m in published()]
        return [e for e in events if e["type"] in ("MemberSignedUp", "MemberRegistered")
                and e["data"]["member_id"] == camille.member_id]
    seen = []
    poll_until(lambda: seen.extend(registered()) or len({e["type"] for e in seen}) == 2,
               what="MemberSignedUp and MemberRegistered published")
    for event in seen:
        envelope_validator(lookup(event["type"], event["schemaversion"])).validate(event)


@pytest.mark.parametrize("change, status, field", [
    ({"consents": {"terms": False, "marketing_email": False, "marketing_sms": False}}, 422, "consents"),
    ({"password": "short"}, 400, "password"),
    ({"email": "not-an-email"}, 400, "email"),
    ({"consents": None}, 400, "consents"),
    ({"admin": True}, 400, "admin"),
])
def test_a_bad_registration_is_refused_and_creates_nothing(anonymous, change, status, field):
    username = f"reg-{uuid.uuid4().hex[:8]}@example.com"
    body = {"username": username, "password": PASSWORD, "name": "Léa", "email": username,
            "consents": {"terms": True, "marketing_email": True, "marketing_sms": False}, **change}
    problem = assert_problem(anonymous.post("/api/v1/members", json=body), status)
    assert field in problem["errors"]
    login = anonymous.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert_problem(login, 401)


def test_registering_a_taken_username_is_409(make_customer, anonymous):
    taken = make_customer().username
    answer = anonymous.post("/api/v1/members", json={
        "username": taken, "password": PASSWORD, "name": "Léa", "email": taken,
        "consents": {"terms": True, "marketing_email": False, "marketing_sms": False}})
    assert_problem(answer, 409)


def test_a_retried_booking_with_the_same_idempotency_key_is_made_once(api, system):
    slot = fresh_slot()
    key = {"Idempotency-Key": f"retry-{uuid.uuid4().hex}"}
    first = api.post("/api/v1/bookings", json=slot, headers=key)
    again = api.post("/api/v1/bookings", json=slot, headers=key)
    assert first.status_code == again.status_code == 201, again.text
    assert first.json() == again.json()
    other = api.post("/api/v1/bookings", json={**slot, "customer_id": "someone-else"}, headers=key)
    assert "idempotency_key" in assert_problem(other, 422)["errors"]
    bad_key = api.post("/api/v1/bookings", json=slot, headers={"Idempotency-Key": "no spaces allowed"})
    assert "Idempotency-Key" in assert_problem(bad_key, 400)["errors"]


def test_every_state_change_and_login_is_in_the_audit_trail(api, make_user, system):
    manager = make_user(("store_manager", "paris-opera"))
    booking = manager.post("/api/v1/bookings", json=fresh_slot(), headers={"X-Correlation-Id": "audit-me-1"})
    assert booking.status_code == 201, booking.text
    manager.post("/api/v1/auth/token", json={"username": manager.username, "password": "wrong-wrong"})

    def entries(**query):
        answer = api.get("/api/v1/audit", params={"actor_id": manager.account["account_id"], **query})
        assert answer.status_code == 200, answer.text
        return answer.json()["items"]

    made = poll_until(lambda: entries(operation="create_booking"), what="booking audited")[0]
    assert made == {**made, "username": manager.username, "role": "store_manager",
                    "store_id": "paris-opera", "target_id": booking.json()["booking_id"],
                    "outcome": "success", "status": 201, "client_address": manager.address,
                    "correlation_id": "audit-me-1"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", made["at"])
    logins = api.get("/api/v1/audit", params={"username": manager.username,
                                              "operation": "issue_token"}).json()["items"]
    assert {e["outcome"] for e in logins} == {"success", "failed"}
    in_store = api.get("/api/v1/audit", params={"operation": "create_booking",
                                                "store_id": "paris-opera"}).json()["items"]
    assert in_store and all(e["store_id"] == "paris-opera" for e in in_store)


def test_a_refused_state_change_is_audited_as_denied(make_user, api):
    staff = make_user(("staff", "paris-opera"))
    assert_problem(staff.post("/api/v1/bookings", json={**fresh_slot(), "store_id": "lyon-bellecour"}), 403)
    denied = poll_until(lambda: api.get("/api/v1/audit", params={
        "actor_id": staff.account["account_id"], "operation": "create_booking"}).json()["items"],
        what="denied booking audited")
    assert denied[0]["outcome"] == "denied" and denied[0]["status"] == 403


def test_the_audit_trail_pages_with_a_cursor(api):
    first = api.get("/api/v1/audit", params={"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"] and first["total"] >= 3
    second = api.get("/api/v1/audit", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert not {e["audit_id"] for e in first["items"]} & {e["audit_id"] for e in second["items"]}
    assert first["items"][-1]["at"] >= second["items"][0]["at"]
    assert "cursor" in assert_problem(api.get("/api/v1/audit", params={"cursor": "garbage"}), 400)["errors"]
    assert "since" in assert_problem(api.get("/api/v1/audit", params={"since": "yesterday"}), 400)["errors"]


@pytest.mark.parametrize("role", [("store_manager", "paris-opera"), ("staff", "paris-opera")])
def test_only_hq_reads_the_audit_trail(make_user, role):
    assert_problem(make_user(role).get("/api/v1/audit"), 403)


def test_an_hq_analyst_reads_the_audit_trail_but_changes_nothing(make_user):
    analyst = make_user(("hq_analyst", None))
    assert analyst.get("/api/v1/audit", params={"limit": 1}).status_code == 200
    assert_problem(analyst.post("/api/v1/bookings", json=fresh_slot()), 403)


def test_the_openapi_document_declares_roles_for_every_operation(anonymous):
    document = anonymous.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.")
    operations = [op for path in document["paths"].values() for op in path.values()]
    assert len(operations) >= 12
    for operation in operations:
        assert "x-roles" in operation and "responses" in operation
        public = [{}, {"bearer": []}] if operation["x-identifies"] else []
        assert operation["security"] == (public if not operation["x-roles"] else [{"bearer": []}])
    assert "/api/v1/audit" in document["paths"] and "/api/v1/auth/token" in document["paths"]


def test_the_docs_page_needs_nothing_from_the_internet(anonymous):
    page = anonymous.get("/docs")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/docs/static/") for s in sources)
    for source in sources:
        assert anonymous.get(source).status_code == 200
    assert_problem(anonymous.get("/docs/static/..secret"), 404)


def test_an_audit_entry_waits_for_identity_when_identity_is_down(api, anonymous, system):
    system.stop("identity")
    try:
        refused = anonymous.post("/api/v1/bookings", json=fresh_slot())
        assert_problem(refused, 401)  # the token check needs no identity; the audit is queued
    finally:
        system.start("identity")
        system.wait_ready()
    cid = refused.headers["X-Correlation-Id"]

    def entry():
        items = api.get("/api/v1/audit", params={"operation": "create_booking", "limit": 200}).json()
        return [e for e in items["items"] if e["correlation_id"] == cid]
    found = poll_until(entry, what="the queued audit entry recorded once identity is back")
    assert (found[0]["outcome"], found[0]["status"], found[0]["client_address"]) == (
        "denied", 401, anonymous.address)
