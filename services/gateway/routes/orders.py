"""Orders: lists and one order with its lines, payments and refunds; sales at the counter
(products, top-ups of a member's card); lines added at checkout; payments and refunds
(each with an Idempotency-Key); after-sales requests (asked, accepted with a redo or a
refund, declined; a store's queue); receipts as data or a printable page; a store's takings
per tender and its till settings; the payment provider's signed callback."""

import json

from werkzeug.wrappers import Response

from services.identity.contracts import CUSTOMER
from services.orders.contracts.payments import MEMBERS_TENDERS
from shared import signing
from shared.config import PROVIDER_SECRET
from shared.errors import Forbidden, NotFound, Unauthorized, Unprocessable

from ..api import PUBLIC, Call, endpoint, json_response, read_body
from ..auth import require_store, require_visible
from ..consistency import wait_budget
from ..problems import BadRequest, problem
from ..roles import BOOKERS, HQ, MANAGERS, STORE_READERS, STORE_STAFF, STORE_VIEWERS
from ..schemas import orders as schemas

ORDER_PATH = "/api/v1/orders/<string:order_id>"
AFTER_SALES_PATH = f"{ORDER_PATH}/after-sales/<string:request_id>"
SIGNATURE_HEADER = "Provider-Signature"
TAKINGS_READERS = (*HQ, "store_manager")


class OrderRoutes:
    @endpoint(
        "GET",
        "/api/v1/orders",
        roles=STORE_READERS,
        query=schemas.OrdersQuery,
        response=schemas.OrderList,
        errors=(404, 422),
    )
    def list_orders(self, call):
        """Orders of a store (by day, status, customer) or of a booking, newest first, paginated.
        A customer sees their own; staff their store's; HQ every store's."""
        query = dict(call.query)
        if query.get("date") is not None:
            query["date"] = query["date"].isoformat()
        booking_id = query.get("booking_id")
        if booking_id is not None:
            self._visible_booking(call, booking_id)
            # The booking exists, so its order is at most moments away: wait (bounded) for it
            # rather than answer "none" too early.
            try:
                self.orders.find_by_booking(booking_id, wait_seconds=wait_budget())
            except NotFound:
                pass
        elif call.caller.roles_among(HQ):
            pass
        elif query.get("store_id") is not None:
            if not call.caller.acts_for_store(STORE_VIEWERS, query["store_id"]):
                raise NotFound(f"no store {query['store_id']}")
        elif call.caller.member_id is not None:
            if query.get("customer_id") not in (None, call.caller.member_id):
                raise NotFound(f"no customer {query['customer_id']}")
            query["customer_id"] = call.caller.member_id  # a customer's own orders
        else:
            raise Unprocessable("give store_id: the store whose orders to list", {"store_id": ["required"]})
        return self.orders.list_orders(**query)

    @endpoint(
        "POST",
        "/api/v1/orders",
        roles=BOOKERS,
        body=schemas.SaleRequest,
        response=schemas.Order,
        status=201,
        errors=(403, 404, 409, 422),
        idempotent="required",
        etag=True,
    )
    def sell(self, call):
        """A sale at the counter, paid like any order: retail products for a walk-in or a
        member, top-ups of a member's stored value card (with HQ's bonus on top; loaded once
        paid, by card or cash), and service packages from HQ's catalogue (the member holds
        their sessions once paid). A customer may top up their own card, or buy a package,
        online."""
        sale = call.wire()
        if call.role == CUSTOMER:
            if sale.get("customer_id", call.caller.member_id) != call.caller.member_id:
                raise Forbidden("a customer buys for themselves", {"customer_id": ["not yours"]})
            if any(line["kind"] not in ("top_up", "package") for line in sale["lines"]):
                raise Forbidden("products are sold at the counter", {"lines": ["staff only"]})
            sale["customer_id"] = call.caller.member_id
        else:
            require_store(call.caller, STORE_STAFF, sale["store_id"])
        call.audit["store_id"] = sale["store_id"]
        order = self.orders.sell(sale=sale, actor=call.actor(), idempotency_key=call.scoped_key())
        call.audit["target_id"] = order["order_id"]
        return order

    @endpoint("GET", ORDER_PATH, roles=STORE_READERS, response=schemas.Order, errors=(404,), etag=True)
    def get_order(self, call, order_id):
        """An order with its lines (list price, discount, net, tax), payments and refunds."""
        return self._visible_order(call, order_id)

    @endpoint(
        "POST",
        f"{ORDER_PATH}/lines",
        roles=STORE_STAFF,
        body=schemas.LineRequest,
        response=schemas.Order,
        status=201,
        errors=(404, 409, 422),
        etag=True,
    )
    def add_line(self, call, order_id):
        """A line added at checkout: another service or a product; a discount needs a reason,
        and above the store's threshold a store manager."""
        order = self._store_order(call, order_id)
        return self.orders.add_line(order_id=order["order_id"], line=call.wire(), actor=call.actor())

    @endpoint(
        "POST",
        f"{ORDER_PATH}/payments",
        roles=BOOKERS,
        body=schemas.PaymentRequest,
        response=schemas.Payment,
        status=201,
        also=(202,),
        errors=(402, 404, 409, 422),
        idempotent="required",
    )
    def pay(self, call, order_id):
        """Pay with one or several tenders (card online or at the counter, cash with change),
        optionally with a tip for a stylist. 201 when captured, 202 while the provider decides,
        402 when a card is declined, 409 when the member's points do not cover their part (every
        hold of the payment let go either way)."""
        order = self._visible_order(call, order_id)
        if call.role != "customer":
            require_store(call.caller, STORE_STAFF, order["store_id"])
        body = call.wire()
        payment = self.orders.pay(
            order_id=order_id,
            tenders=body["tenders"],
            tip=body.get("tip"),
            actor=call.actor(),
            idempotency_key=call.scoped_key(),
        )
        call.audit["target_id"] = payment["payment_id"]
        payload = schemas.Payment().dump(payment)
        if payment["status"] == "failed":
            failed = [t for t in payment["tenders"] if t["reason"] and t["status"] == "failed"]
            reasons = "; ".join(t["reason"] for t in failed)
            # A card the provider declined is 402; points the member does not have, 409.
            status, code, what = (
                (409, "payment-refused", "refused")
                if all(t["kind"] in MEMBERS_TENDERS for t in failed)
                else (402, "payment-declined", "declined")
            )
            return problem(
                status, code, f"the payment was {what}: {reasons}; nothing was charged", None, payment=payload
            )
        return json_response(201 if payment["status"] == "captured" else 202, payload)

    @endpoint(
        "POST",
        f"{ORDER_PATH}/refunds",
        roles=STORE_STAFF,
        body=schemas.RefundRequest,
        response=schemas.RefundAnswer,
        status=201,
        errors=(403, 404, 409, 422),
        idempotent="required",
    )
    def refund(self, call, order_id):
        """Give money back, for an amount or some lines, with a reason, to the tenders that
        paid (the last first); above the store's threshold only a store manager may."""
        self._store_order(call, order_id)
        refund = self.orders.refund(
            order_id=order_id, request=call.wire(), actor=call.actor(), idempotency_key=call.scoped_key()
        )
        call.audit["target_id"] = refund["refund_id"]
        if refund["status"] == "pending":
            return json_response(202, schemas.RefundAnswer().dump(refund))
        return refund

    @endpoint(
        "POST",
        f"{ORDER_PATH}/after-sales",
        roles=BOOKERS,
        body=schemas.AfterSalesAsk,
        response=schemas.AfterSalesAnswer,
        status=201,
        errors=(404, 409, 422),
    )
    def ask_after_sales(self, call, order_id):
        """The customer (or staff for them) asks for a completed service to be redone, for
        money back, or both, with a reason; one request of an order is open at a time."""
        order = self._visible_order(call, order_id)
        if call.role != "customer":
            require_store(call.caller, STORE_STAFF, order["store_id"])
        answer = self.orders.ask_after_sales(order_id=order_id, request=call.wire(), actor=call.actor())
        call.audit["target_id"] = answer["request_id"]
        return answer

    @endpoint(
        "POST",
        f"{AFTER_SALES_PATH}/accept",
        roles=STORE_STAFF,
        body=schemas.AfterSalesAccept,
        response=schemas.AfterSalesAnswer,
        errors=(403, 404, 409, 422),
        idempotent="required",
    )
    def accept_after_sales(self, call, order_id, request_id):
        """Put it right: the redo is booked at no charge (linked to the original booking) and
        the refund given back to the tenders that paid; the request is resolved once both are
        done. A refund above the store's threshold needs a store manager."""
        self._store_order(call, order_id)
        call.audit["target_id"] = request_id
        return self.orders.accept_after_sales(
            order_id=order_id,
            request_id=request_id,
            decision=call.wire(),
            actor=call.actor(),
            idempotency_key=call.scoped_key(),
        )

    @endpoint(
        "POST",
        f"{AFTER_SALES_PATH}/decline",
        roles=MANAGERS,
        body=schemas.AfterSalesDecline,
        response=schemas.AfterSalesAnswer,
        errors=(403, 404, 409),
    )
    def decline_after_sales(self, call, order_id, request_id):
        """Say no, with a note the customer reads (a store manager or HQ)."""
        order = self._visible_order(call, order_id)
        require_store(call.caller, MANAGERS, order["store_id"])
        call.audit["target_id"] = request_id
        return self.orders.decline_after_sales(
            order_id=order_id, request_id=request_id, note=call.body["note"], actor=call.actor()
        )

    @endpoint(
        "GET",
        "/api/v1/stores/<string:store_id>/after-sales",
        roles=STORE_STAFF,
        query=schemas.AfterSalesQuery,
        response=schemas.AfterSalesList,
        errors=(403, 404),
    )
    def store_after_sales(self, call, store_id):
        """A store's after-sales requests, the oldest first: filter by status for its queue."""
        require_store(call.caller, STORE_STAFF, store_id)
        return self.orders.store_after_sales(store_id=store_id, **call.query)

    @endpoint(
        "GET",
        f"{ORDER_PATH}/receipt",
        roles=STORE_READERS,
        query=schemas.ReceiptQuery,
        response=schemas.Receipt,
        errors=(404,),
    )
    def receipt(self, call, order_id):
        """A settled order's receipt with its store-wide gap-free number: JSON, or a
        printable HTML page (format=html or Accept: text/html)."""
        self._visible_order(call, order_id)
        wants_html = call.query["format"] == "html" or (
            call.request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"
            and "application/json" not in call.request.headers.get("Accept", "")
        )
        if wants_html:
            return Response(
                self.orders.receipt(order_id=order_id, as_html=True), status=200, mimetype="text/html"
            )
        return self.orders.receipt(order_id=order_id)

    @endpoint(
        "GET",
        "/api/v1/stores/<string:store_id>/takings",
        roles=TAKINGS_READERS,
        query=schemas.TakingsQuery,
        response=schemas.Takings,
        errors=(403, 404),
    )
    def takings(self, call, store_id):
        """What a store took on a day per tender, less refunds, tips apart: what the daily
        close compares with the drawer."""
        require_store(call.caller, TAKINGS_READERS, store_id)
        return self.orders.takings(store_id=store_id, date=call.query["date"].isoformat())

    @endpoint(
        "GET",
        "/api/v1/stores/<string:store_id>/till-settings",
        roles=STORE_VIEWERS,
        response=schemas.TillSettings,
        errors=(403, 404),
    )
    def till_settings(self, call, store_id):
        """A store's tax rate per category and the thresholds that need a store manager."""
        require_store(call.caller, STORE_VIEWERS, store_id)
        return self.orders.till_settings(store_id=store_id)

    @endpoint(
        "PATCH",
        "/api/v1/stores/<string:store_id>/till-settings",
        roles=MANAGERS,
        body=schemas.TillSettingsChanges,
        response=schemas.TillSettings,
        errors=(403, 404),
    )
    def set_till_settings(self, call, store_id):
        """Change a store's tax rates (merged per category) or thresholds (HQ, its manager)."""
        require_store(call.caller, MANAGERS, store_id)
        changes = call.wire()
        if "tax_rates_bp" in changes:
            current = self.orders.till_settings(store_id=store_id)["tax_rates_bp"]
            changes["tax_rates_bp"] = {**current, **changes["tax_rates_bp"]}
        return self.orders.set_till_settings(store_id=store_id, changes=changes, actor=call.actor())

    @endpoint(
        "POST",
        "/api/v1/payments/callback",
        roles=PUBLIC,
        response=schemas.Payment,
        errors=(400, 401, 404, 409),
    )
    def provider_callback(self, call):
        """The payment provider reports a payment it decided later. Signed (header
        Provider-Signature: t=<unix time>,v1=<HMAC-SHA256 of "t.body">); a forged, stale or
        replayed callback is refused."""
        secret = PROVIDER_SECRET.get()
        raw = read_body(call.request)
        try:
            if not secret:
                raise signing.BadSignature("no provider secret is configured")
            signing.verify(secret, call.request.headers.get(SIGNATURE_HEADER), raw)
        except signing.BadSignature as bad:
            raise Unauthorized(f"the callback's signature is refused: {bad}") from None
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            raise BadRequest("the body is not valid JSON", {"body": ["not valid JSON"]}) from None
        data = schemas.CallbackRequest().load(body if isinstance(body, dict) else {})
        payment = self.orders.provider_callback(**data)
        call.audit["target_id"] = data["callback_id"]
        return payment

    def _visible_order(self, call: Call, order_id: str) -> dict:
        try:
            order = self.orders.get_order(order_id=order_id)
        except NotFound:
            raise NotFound(f"no order {order_id}") from None
        require_visible(
            call.caller, STORE_READERS, order["store_id"], order["customer_id"], "order", order_id
        )
        call.audit["store_id"] = order["store_id"]
        return order

    def _store_order(self, call: Call, order_id: str) -> dict:
        order = self._visible_order(call, order_id)
        require_store(call.caller, STORE_STAFF, order["store_id"])
        return order
