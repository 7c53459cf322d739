"""Campaigns and coupons through the gateway and real RabbitMQ: a store manager's campaign for
their own store, a coupon issued to a member and redeemed at the counter, two payments racing
for one coupon (one is paid, the other refused with nothing held), every coupon that cannot
pay refused with its reason (an expired one is proved on members' own clock, in
tests/members/test_coupons.py), and the campaign's effect per store."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from shared.testing import poll_until
from tests.e2e.test_after_sales import completed_and_paid
from tests.e2e.test_paid_path import key, money, open_deposit_store
from tests.e2e.test_stored_value import cash, pay, visits_done
from tests.e2e.test_walking_skeleton import assert_problem

NOW = datetime.now(UTC)


def campaign(client, store_id: str, **changes) -> dict:
    body = {
        "name": "Ten off",
        "kind": "amount_off",
        "currency": "EUR",
        "amount": money(1000),
        "valid_from": (NOW - timedelta(days=1)).isoformat(),
        "valid_until": (NOW + timedelta(days=30)).isoformat(),
        "stores": [store_id],
        **changes,
    }
    made = client.post("/api/v1/loyalty/campaigns", headers=key(), json=body)
    assert made.status_code == 201, made.text
    return made.json()


def coupon(client, campaign_id: str, member_id: str) -> str:
    issued = client.post(
        f"/api/v1/loyalty/campaigns/{campaign_id}/coupons", headers=key(), json={"member_id": member_id}
    )
    assert issued.status_code == 201, issued.text
    return issued.json()["code"]


def with_coupon(code: str, amount: int) -> dict:
    return {"kind": "coupon", "amount": money(amount), "code": code}


def test_a_store_managers_coupon_is_redeemed_once_however_many_payments_race_for_it(
    api, make_user, make_customer
):
    store_id, manager, staff = open_deposit_store(api, make_user)
    other_store, other_manager, _ = open_deposit_store(api, make_user)
    customer = make_customer()
    assert customer.get(f"/api/v1/members/{customer.member_id}").status_code == 200
    mine = campaign(manager, store_id)
    assert mine["owner_store"] == store_id
    assert_problem(
        manager.post("/api/v1/loyalty/campaigns", headers=key(), json={**mine_body(other_store)}), 403
    )
    assert_problem(other_manager.get(f"/api/v1/loyalty/campaigns/{mine['campaign_id']}"), 404)
    listed = manager.get("/api/v1/loyalty/campaigns", params={"store_id": store_id}).json()
    assert [c["campaign_id"] for c in listed["items"]] == [mine["campaign_id"]]

    code = coupon(manager, mine["campaign_id"], customer.member_id)
    bills = visits_done(staff, customer, store_id, 2)
    bill = bills[0]["balance"]["amount_minor"]
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda o: pay(staff, o, with_coupon(code, 1000), cash(bill - 1000)), bills))
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 409).json()
    assert "another payment" in refused["detail"] or "was used" in refused["detail"]
    assert all(t["status"] in ("voided", "failed") for t in refused["payment"]["tenders"])

    def paid_seen():  # revenue comes from orders' OrderPaid, which reaches members a moment later
        effect = manager.get(f"/api/v1/loyalty/campaigns/{mine['campaign_id']}").json()
        stores = effect["effect"]["stores"]
        return effect if stores and stores[0]["revenue"]["amount_minor"] > 0 else None

    effect = poll_until(paid_seen, timeout=15, what="the paid order in the campaign's revenue")
    assert (effect["issued"], effect["redeemed"], effect["in_use"]) == (1, 1, 1)
    store = effect["effect"]["stores"][0]
    assert (store["store_id"], store["redeemed"], store["discount"]) == (store_id, 1, money(1000))
    assert store["revenue"] == money(bill - 1000) and store["conversion_rate"] == 1.0

    ended = manager.post(f"/api/v1/loyalty/campaigns/{mine['campaign_id']}/end")
    assert ended.status_code == 200 and ended.json()["ended"] is True
    assert_problem(
        manager.post(
            f"/api/v1/loyalty/campaigns/{mine['campaign_id']}/coupons",
            headers=key(),
            json={"member_id": customer.member_id},
        ),
        409,
    )


def mine_body(store_id: str) -> dict:
    return {
        "name": "Not mine",
        "kind": "percent_off",
        "percent_bp": 1000,
        "currency": "EUR",
        "valid_from": NOW.isoformat(),
        "valid_until": (NOW + timedelta(days=1)).isoformat(),
        "stores": [store_id],
    }


def test_a_coupon_that_cannot_pay_is_refused_with_its_reason_and_nothing_is_charged(
    api, make_user, make_customer
):
    store_id, manager, staff = open_deposit_store(api, make_user)
    elsewhere, _, _ = open_deposit_store(api, make_user)
    customer, other = make_customer(), make_customer()
    for who in (customer, other):
        assert who.get(f"/api/v1/members/{who.member_id}").status_code == 200
    member = customer.member_id
    spent = coupon(api, campaign(api, store_id)["campaign_id"], member)
    cases = {
        "no coupon NOPE-123": "NOPE-123",
        "was used": spent,
        "not valid in this store": coupon(api, campaign(api, elsewhere)["campaign_id"], member),
        "at least 1000000": coupon(
            api, campaign(api, store_id, min_spend=money(1_000_000))["campaign_id"], member
        ),
        "another member's": coupon(api, campaign(api, store_id)["campaign_id"], other.member_id),
        "at most": coupon(
            api, campaign(api, store_id, amount=money(50), kind="amount_off")["campaign_id"], member
        ),
    }
    bills = visits_done(staff, customer, store_id, 2)
    bill = bills[0]["balance"]["amount_minor"]
    assert pay(staff, bills[0], with_coupon(spent, 1000), cash(bill - 1000)).status_code == 201
    for why, code in cases.items():
        answer = pay(staff, bills[1], with_coupon(code, 100), cash(bill - 100))
        assert why in assert_problem(answer, 409)["detail"], why
    after = staff.get(f"/api/v1/orders/{bills[1]['order_id']}").json()
    assert after["paid"] == money(0) and after["balance"] == money(bill)
    assert_problem(pay(staff, bills[1], {"kind": "coupon", "amount": money(100)}), 422)  # no code
    for body, status in [
        ({**mine_body(store_id), "kind": "amount_off"}, 400),
        ({**mine_body(store_id), "percent_bp": 0}, 400),
        (
            {
                **mine_body(store_id),
                "valid_until": NOW.isoformat(),
                "valid_from": (NOW + timedelta(days=1)).isoformat(),
            },
            422,
        ),
        ({**mine_body(store_id), "code": "lower case"}, 400),
    ]:
        assert_problem(api.post("/api/v1/loyalty/campaigns", headers=key(), json=body), status)
    assert_problem(customer.get(f"/api/v1/members/{other.member_id}/coupons"), 404)
    assert [c["status"] for c in customer.get(f"/api/v1/members/{member}/coupons").json()["items"]].count(
        "redeemed"
    ) == 1


def test_a_campaign_issued_to_a_segment_reaches_its_members(api, make_user, make_customer):
    store_id, manager, staff, customer, _, _ = completed_and_paid(api, make_user, make_customer)
    made = manager.post(
        "/api/v1/loyalty/segments",
        headers=key(),
        json={"name": "Our regulars", "filter": {"stores": [store_id], "visited_within_days": 30}},
    )
    assert made.status_code == 201, made.text
    segment = poll_until(
        lambda: (
            (s := manager.get(f"/api/v1/loyalty/segments/{made.json()['segment_id']}").json())["members"] == 1
            and s
        ),
        timeout=15,
        what="the visitor in the segment",
    )
    listed = manager.get(f"/api/v1/loyalty/segments/{segment['segment_id']}/members").json()
    assert [m["member_id"] for m in listed["items"]] == [customer.member_id]
    mine = campaign(manager, store_id)
    job = manager.post(
        f"/api/v1/loyalty/campaigns/{mine['campaign_id']}/segment-issues",
        headers=key(),
        json={"segment_id": segment["segment_id"]},
    )
    assert job.status_code == 202 and job.json()["total"] == 1, job.text
    path = f"/api/v1/loyalty/campaigns/{mine['campaign_id']}/segment-issues/{job.json()['job_id']}"
    done = poll_until(
        lambda: (j := manager.get(path).json())["status"] == "finished" and j,
        timeout=15,
        what="the segment issued",
    )
    assert (done["issued"], done["refused"]) == (1, 0)
    coupons = customer.get(f"/api/v1/members/{customer.member_id}/coupons").json()["items"]
    assert [c["campaign_id"] for c in coupons] == [mine["campaign_id"]]
    assert_problem(
        manager.post("/api/v1/loyalty/segments", headers=key(), json={"name": "All", "filter": {}}), 403
    )
    assert_problem(
        api.post(
            "/api/v1/loyalty/segments",
            headers=key(),
            json={"name": "Bad", "filter": {"min_spend_minor": 9, "max_spend_minor": 1}},
        ),
        422,
    )


def test_a_first_visit_campaign_gives_a_member_their_welcome_coupon_when_their_first_visit_is_done(
    api, make_user, make_customer
):
    welcome = api.post(
        "/api/v1/loyalty/campaigns",
        headers=key(),
        json={"name": "Welcome back", "kind": "percent_off", "percent_bp": 1000, "currency": "EUR",
              "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2030-01-01T00:00:00Z",
              "trigger": "first_visit"},
    )
    assert welcome.status_code == 201, welcome.text
    campaign_id = welcome.json()["campaign_id"]
    try:
        assert (welcome.json()["trigger"], welcome.json()["lapsed_days"]) == ("first_visit", None)
        store_id, manager, staff, customer, order, _ = completed_and_paid(api, make_user, make_customer)

        def welcomed():
            items = customer.get(f"/api/v1/members/{customer.member_id}/coupons").json()["items"]
            return [x for x in items if x["campaign_id"] == campaign_id] or None

        assert len(poll_until(welcomed, timeout=15, what="the welcome coupon")) == 1
    finally:  # other tests' first visits get none
        api.post(f"/api/v1/loyalty/campaigns/{campaign_id}/end")
    bad = api.post("/api/v1/loyalty/campaigns", headers=key(), json={
        "name": "Lapsed", "kind": "percent_off", "percent_bp": 1000, "currency": "EUR",
        "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2030-01-01T00:00:00Z", "trigger": "lapsed"})
    assert "lapsed_days" in assert_problem(bad, 422)["errors"]
