"""Profiles through the gateway and real RabbitMQ: the staff of a store that knows a member
(where they booked) read and change their profile against its ETag, a member changes their
own but not their tags, consents are kept per channel with how, care notes are for staff
only, staff register a walk-in at the counter and find members by name, phone or e-mail."""

import uuid

from tests.e2e.test_after_sales import completed_and_paid
from tests.e2e.test_paid_path import key
from tests.e2e.test_walking_skeleton import assert_problem


def test_staff_of_a_store_that_knows_a_member_keep_their_profile(api, make_user, make_customer):
    store_id, manager, staff, customer, _, _ = completed_and_paid(api, make_user, make_customer)
    path = f"/api/v1/members/{customer.member_id}"
    read = staff.get(path)
    assert read.status_code == 200 and store_id in read.json()["stores"], read.text
    assert_problem(make_user(("staff", "lyon-bellecour")).get(path), 404)

    etag = read.headers["ETag"]
    changed = staff.patch(path, headers={"If-Match": etag}, json={"tags": ["VIP"], "preferences": ["quiet"]})
    assert changed.status_code == 200 and changed.json()["tags"] == ["vip"], changed.text
    assert_problem(staff.patch(path, headers={"If-Match": etag}, json={"preferences": []}), 412)
    assert_problem(staff.patch(path, json={"preferences": []}), 428)
    own = customer.patch(path, headers={"If-Match": changed.headers["ETag"]}, json={"birthday": "1991-05-06"})
    assert own.status_code == 200 and own.json()["birthday"] == "1991-05-06", own.text
    assert_problem(customer.patch(path, headers={"If-Match": own.headers["ETag"]}, json={"tags": []}), 422)

    consent = customer.post(
        f"{path}/consents", json={"channel": "sms", "given": True, "how": "the online form"}
    )
    assert consent.status_code == 201 and consent.json()["consents"]["marketing_sms"] is True, consent.text
    assert consent.json()["consent_history"][-1]["how"] == "the online form"

    note = staff.post(
        f"{path}/care-notes",
        json={"kind": "allergy_test", "text": "patch test negative", "store_id": store_id},
    )
    assert note.status_code == 201 and note.json()["items"][0]["text"] == "patch test negative", note.text
    assert staff.get(f"{path}/care-notes").json()["items"][0]["kind"] == "allergy_test"
    assert_problem(customer.get(f"{path}/care-notes"), 403)


def test_staff_register_a_walk_in_and_find_members_by_name_phone_or_email(api, make_user):
    store_id = "paris-opera"
    staff = make_user(("staff", store_id))
    email = f"walk-{uuid.uuid4().hex[:8]}@example.com"
    surname = f"Zed{uuid.uuid4().hex[:6]}"
    made = staff.post(
        f"/api/v1/stores/{store_id}/members",
        headers=key(),
        json={
            "name": f"Élodie {surname}",
            "email": email,
            "phone": "+33 6 55 44 33 22",
            "consents": {"email": True},
        },
    )
    assert made.status_code == 201 and made.json()["source"] == "counter", made.text
    assert made.json()["account_id"] is None and made.json()["consents"]["marketing_email"] is True
    again = staff.post(
        f"/api/v1/stores/{store_id}/members", headers=key(), json={"name": "Other", "email": email}
    )
    assert_problem(again, 409)
    assert_problem(
        staff.post(f"/api/v1/stores/{store_id}/members", headers=key(), json={"name": "No contact"}), 422
    )
    assert_problem(
        staff.post(
            "/api/v1/stores/lyon-bellecour/members",
            headers=key(),
            json={"name": "Not mine", "phone": "+33 1"},
        ),
        403,
    )
    for q in (surname[:5].lower(), email[:8], "elodie " + surname[:3]):
        found = staff.get("/api/v1/members", params={"q": q, "store_id": store_id}).json()["items"]
        assert made.json()["member_id"] in [m["member_id"] for m in found], q
    assert_problem(staff.get("/api/v1/members", params={"q": surname}), 403)
    assert api.get("/api/v1/members", params={"q": surname}).json()["total"] == 1
    assert_problem(staff.get("/api/v1/members", params={"q": "a"}), 400)
