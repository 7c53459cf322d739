"""A member's privacy through the gateway and real RabbitMQ: they export their data, then ask to
be erased. Identity closes their login; booking, orders and members forget their name, e-mail
and phone; and after every read model of every service is rebuilt from its event store, no
table and no stored event holds any of it, while the order's amount and the points stay."""

import json
import os
import uuid

from sqlalchemy import create_engine, select

from shared.db import events
from shared.launcher import run_manage
from shared.manage import load_app
from shared.testing import poll_until
from tests.e2e.conftest import Api
from tests.e2e.test_after_sales import visit
from tests.e2e.test_paid_path import key, open_deposit_store, the_order, today_slots
from tests.e2e.test_points import points_of
from tests.e2e.test_walking_skeleton import assert_problem

SERVICES = ("identity", "booking", "orders", "members")
PASSWORD = "correct horse battery"


def registered(system) -> tuple[Api, dict]:
    token = uuid.uuid4().hex[:12]
    person = {
        "name": f"Zelie {token}",
        "email": f"zelie-{token}@example.com",
        "phone": f"+33 6 {int(token[:8], 16) % 10**8:08d}",
    }
    client = Api(system.gateway)
    answer = client.post(
        "/api/v1/members",
        json={
            "username": person["email"],
            "password": PASSWORD,
            **person,
            "consents": {"terms": True, "marketing_email": True, "marketing_sms": False},
        },
    )
    assert answer.status_code == 201, answer.text
    client.member_id, client.account_id = answer.json()["member_id"], answer.json()["account_id"]
    client.token = client.login(person["email"], PASSWORD)["access_token"]
    return client, {**person, "token": token}


def stored_everywhere(env: dict) -> str:
    """Every row of every read model, and every stored event, of every service, as one text."""
    found = []
    for service in SERVICES:
        url = (
            env.get(f"{service.upper()}_DATABASE_URL")
            or f"sqlite:///{os.path.join(env['VAR_DIR'], service)}.db"
        )
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                for table in {t for p in load_app(service).projections for t in p.tables} | {events}:
                    found.extend(json.dumps(list(r), default=str) for r in conn.execute(select(table)))
        finally:
            engine.dispose()
    return "\n".join(found)


def test_an_erased_member_is_forgotten_by_every_service_and_every_rebuild_while_the_amounts_stay(
    api, make_user, system
):
    customer, person = registered(system)
    member_id = customer.member_id
    store_id, manager, staff = open_deposit_store(api, make_user)
    start = today_slots(staff, store_id, "cut-and-blow-dry")[0]["start"]
    booked = staff.post(
        "/api/v1/bookings",
        json={
            "store_id": store_id,
            "start": start,
            "segments": [{"service_id": "cut-and-blow-dry"}],
            "customer_id": member_id,
            "customer_name": person["name"],
        },
    )
    assert booked.status_code == 201, booked.text
    booking_id = booked.json()["booking_id"]
    visit(staff, booking_id)
    order = the_order(staff, booking_id, fulfilment="completed")
    assert order["customer_name"] == person["name"]
    paid = staff.post(
        f"/api/v1/orders/{order['order_id']}/payments",
        headers=key(),
        json={"tenders": [{"kind": "cash", "amount": order["balance"]}]},
    )
    assert paid.status_code == 201, paid.text
    points = points_of(customer, member_id, 1)["balance"]
    assert points > 0

    export = customer.get(f"/api/v1/members/{member_id}/export")
    assert export.status_code == 200, export.text
    exported = export.json()
    assert (exported["profile"]["name"], exported["profile"]["email"]) == (person["name"], person["email"])
    assert exported["points"]["balance"] == points and exported["history"]["visits"] == 1
    assert_problem(make_user(("staff", store_id)).get(f"/api/v1/members/{member_id}/export"), 403)
    assert person["token"] in stored_everywhere(system.env)

    erased = customer.post(f"/api/v1/members/{member_id}/erasure")
    assert erased.status_code == 200, erased.text
    assert (erased.json()["name"], erased.json()["email"], erased.json()["phone"]) == ("(erased)", None, None)
    again = api.post(f"/api/v1/members/{member_id}/erasure")
    assert again.status_code == 200 and again.json()["erased_at"] == erased.json()["erased_at"]

    def forgotten():
        account = api.get(f"/api/v1/accounts/{customer.account_id}").json()
        order_now = staff.get(f"/api/v1/orders/{order['order_id']}").json()
        booking_now = staff.get(f"/api/v1/bookings/{booking_id}").json()
        return (
            account["disabled"],
            account["username"],
            order_now["customer_name"],
            booking_now["customer_name"],
        ) == (True, None, None, None) and order_now

    order_now = poll_until(forgotten, timeout=15, what="identity, orders and booking to forget the member")
    assert order_now["total"] == paid.json()["order"]["total"]  # the amount stays
    assert_problem(
        staff.post(f"/api/v1/members/{member_id}/care-notes", json={"kind": "skin", "text": "dry"}), 409
    )

    for service in SERVICES:
        run_manage(system.env, "rebuild", service, "all")
    left = stored_everywhere(system.env)
    assert person["token"] not in left and person["phone"] not in left
    assert person["phone"].replace(" ", "").lstrip("+") not in left  # as search keeps it, digits only
    assert api.get(f"/api/v1/members/{member_id}/points").json()["balance"] == points
    assert staff.get(f"/api/v1/orders/{order['order_id']}").json()["total"] == order_now["total"]
    assert_problem(customer.get(f"/api/v1/members/{member_id}"), 401)  # their session ended
    login = Api(system.gateway).post(
        "/api/v1/auth/token", json={"username": person["email"], "password": PASSWORD}
    )
    assert_problem(login, 401)
