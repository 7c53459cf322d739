"""Service packages through the gateway and real RabbitMQ: HQ defines a package of a catalogue
service, staff sell it at the counter, its payment gives the member the sessions, a session
pays each visit, two visits racing for the last session get one through, a refund of a visit
brings its session back and a refund of the package closes it; the member reads every
movement in a ledger that sums to what the package is still worth; every bad request is
refused with the reason and nothing recorded."""

import uuid
from concurrent.futures import ThreadPoolExecutor

from shared.testing import poll_until
from tests.e2e.test_paid_path import key, money, open_deposit_store
from tests.e2e.test_stored_value import cash, pay, visits_done
from tests.e2e.test_walking_skeleton import assert_problem

SERVICE = "cut-and-blow-dry"


def package_terms(**changes) -> dict:
    return {
        "name": f"Cuts {uuid.uuid4().hex[:6]}",
        "service_id": SERVICE,
        "sessions": 2,
        "price": money(9000),
        "valid_days": 90,
        **changes,
    }


def define(api, **changes) -> dict:
    answer = api.post("/api/v1/loyalty/packages", headers=key(), json=package_terms(**changes))
    assert answer.status_code == 201, answer.text
    return answer.json()


def package_sale(store_id: str, member_id: str | None, package_id: str) -> dict:
    sale = {"store_id": store_id, "lines": [{"kind": "package", "package_id": package_id}]}
    return sale if member_id is None else {**sale, "customer_id": member_id}


def session(amount: int) -> dict:
    return {"kind": "package", "amount": money(amount)}


def packages_of(client, member_id: str, check) -> dict:
    def found():
        answer = client.get(f"/api/v1/members/{member_id}/packages")
        body = answer.json() if answer.status_code == 200 else None
        return body if body and check(body) else None

    return poll_until(found, timeout=15, what=f"the packages of {member_id}")


def sessions_left(n: int):
    return lambda body: [x["sessions_left"] for x in body["packages"]] == [n]


def sums_up(body: dict) -> bool:
    lines = body["ledger"]["items"]
    return sum(x["value"]["amount_minor"] for x in lines) == sum(
        x["value_left"]["amount_minor"] for x in body["packages"]
    ) and sum(x["sessions"] for x in lines) == sum(x["sessions_left"] for x in body["packages"])


def test_a_package_sold_at_the_counter_pays_visits_session_by_session_and_its_refund_closes_it(
    api, make_user, make_customer, anonymous
):
    store_id, manager, staff = open_deposit_store(api, make_user)
    package = define(api, sessions=2, price=money(9000), stores=[store_id])
    listed = anonymous.get("/api/v1/loyalty/packages", params={"store_id": store_id, "limit": 200}).json()
    assert package["package_id"] in [x["package_id"] for x in listed["items"]]
    assert all(x["stores"] in ([], [store_id]) for x in listed["items"])  # HQ's demo packages: every store
    elsewhere = anonymous.get("/api/v1/loyalty/packages", params={"store_id": "lyon-bellecour"}).json()
    assert package["package_id"] not in [x["package_id"] for x in elsewhere["items"]]
    customer = make_customer()
    member_id = customer.member_id
    bills = visits_done(staff, customer, store_id, 3)
    bill = bills[0]["balance"]["amount_minor"]

    sold = staff.post(
        "/api/v1/orders", headers=key(), json=package_sale(store_id, member_id, package["package_id"])
    )
    assert sold.status_code == 201, sold.text
    line = sold.json()["lines"][0]
    assert (line["kind"], line["tax_rate_bp"], line["gross"], line["package"]["sessions"]) == (
        "package",
        0,
        money(9000),
        2,
    )
    assert pay(staff, sold.json(), cash(9000)).status_code == 201
    packages_of(customer, member_id, sessions_left(2))

    assert pay(staff, bills[0], session(bill)).status_code == 201, "a session pays the cut"
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda o: pay(staff, o, session(bill)), bills[1:]))
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 409).json()
    assert "session" in refused["detail"], refused
    body = packages_of(customer, member_id, sessions_left(0))
    assert body["outstanding"] == [money(0)] and sums_up(body)

    back = manager.post(
        f"/api/v1/orders/{bills[0]['order_id']}/refunds",
        headers=key(),
        json={"amount": money(bill), "reason": "the cut was redone elsewhere"},
    )
    assert back.status_code == 201, back.text
    packages_of(customer, member_id, sessions_left(1))

    closed = manager.post(
        f"/api/v1/orders/{sold.json()['order_id']}/refunds",
        headers=key(),
        json={"amount": money(4500), "reason": "moving away"},
    )
    assert closed.status_code == 201, closed.text
    body = packages_of(customer, member_id, lambda b: b["packages"][0]["status"] == "refunded")
    kinds = [x["kind"] for x in body["ledger"]["items"]]
    assert kinds == ["refunded", "restored", "used", "used", "bought"], kinds
    assert body["outstanding"] == [money(0)] and sums_up(body)
    assert staff.get(f"/api/v1/members/{member_id}/packages").status_code == 200  # a store that knows them
    exported = customer.get(f"/api/v1/members/{member_id}/export").json()
    assert exported["packages"]["ledger"]["items"] == body["ledger"]["items"]


def test_bad_package_requests_are_refused_with_the_reason_and_nothing_recorded(api, make_user, make_customer):
    store_id, manager, staff = open_deposit_store(api, make_user)
    customer = make_customer()
    member_id = customer.member_id
    assert customer.get(f"/api/v1/members/{member_id}").status_code == 200
    before = api.get("/api/v1/loyalty/packages", params={"retired": "true", "limit": 200}).json()["total"]

    for body, status, field in [
        (package_terms(service_id="no-such-service"), 404, None),
        (package_terms(sessions=0), 400, "sessions"),
        (package_terms(valid_days=4000), 400, "valid_days"),
        (package_terms(price=money(0)), 422, "price"),
        (package_terms(name="x" * 121), 400, "name"),
        ({**package_terms(), "colour": "red"}, 400, "colour"),
    ]:
        problem = assert_problem(api.post("/api/v1/loyalty/packages", headers=key(), json=body), status)
        assert field is None or field in problem["errors"], (body, problem)
    assert_problem(manager.post("/api/v1/loyalty/packages", headers=key(), json=package_terms()), 403)
    after = api.get("/api/v1/loyalty/packages", params={"retired": "true", "limit": 200}).json()["total"]
    assert after == before

    package = define(api)
    orders_before = staff.get("/api/v1/orders", params={"store_id": store_id}).json()["total"]
    line = {"kind": "package", "package_id": package["package_id"]}
    for sale, status, name in [
        (package_sale(store_id, None, package["package_id"]), 422, "customer_id"),
        (package_sale(store_id, member_id, "no-such-package"), 422, "package_id"),
        ({"store_id": store_id, "customer_id": member_id, "lines": [{"kind": "package"}]}, 400, "lines"),
        (
            {"store_id": store_id, "customer_id": member_id, "lines": [{**line, "unit_price": money(1)}]},
            400,
            "lines",
        ),
    ]:
        problem = assert_problem(staff.post("/api/v1/orders", headers=key(), json=sale), status)
        assert any(name in x for x in problem["errors"]), (sale, problem)
    assert staff.get("/api/v1/orders", params={"store_id": store_id}).json()["total"] == orders_before

    retired = api.post(f"/api/v1/loyalty/packages/{package['package_id']}/retire")
    assert retired.status_code == 200 and retired.json()["retired"] is True
    assert_problem(
        staff.post(
            "/api/v1/orders", headers=key(), json=package_sale(store_id, member_id, line["package_id"])
        ),
        409,
    )
    assert_problem(api.get("/api/v1/loyalty/packages/no-such-package"), 404)
    assert_problem(api.post("/api/v1/loyalty/packages/no-such-package/retire"), 404)

    online = customer.post(
        "/api/v1/orders", headers=key(), json=package_sale(store_id, None, define(api)["package_id"])
    )
    assert online.status_code == 201 and online.json()["customer_id"] == member_id, online.text
    sold = online.json()
    assert "package bought with money" in assert_problem(pay(customer, sold, session(9000)), 422)["detail"]
    paid = pay(customer, sold, {"kind": "card_online", "amount": money(9000), "token": "tok_approve"})
    assert paid.status_code == 201, paid.text
    packages_of(customer, member_id, sessions_left(2))
    assert_problem(make_customer().get(f"/api/v1/members/{member_id}/packages"), 404)
