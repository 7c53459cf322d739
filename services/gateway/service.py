"""The gateway: the only HTTP surface. Health, readiness, metrics, docs and the v1 API.

Each handler holds no business rule: it scopes the request to what the caller may touch,
makes one or two RPCs, and returns the result. Roles per operation are declared on the
``@endpoint`` line, where a reviewer sees them next to the path.
"""
import eventlet
from nameko.dependency_providers import Config
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from werkzeug.wrappers import Response

from services.identity.contracts import CUSTOMER
from shared.amqp import broker_answers
from shared.config import READ_YOUR_WRITES_TIMEOUT, READY_TIMEOUT, RPC_TIMEOUT, SERVICES
from shared.errors import Forbidden, NotFound
from shared.observe import Observability
from shared.rpc import Rpc

from . import docs, schemas
from .api import PUBLIC, Call, endpoint
from .audit import AuditTrail
from .auth import require_store, require_visible
from .guard import Guard
from .problems import problem

HQ = ("hq_admin", "hq_analyst")
ADMIN = ("hq_admin",)
STORE_READERS = (*HQ, "store_manager", "staff", CUSTOMER)
BOOKERS = ("hq_admin", "store_manager", "staff", CUSTOMER)
ANYONE = (*HQ, "store_manager", "staff", CUSTOMER)


def wait_budget() -> float:
    """How long a read-your-writes query may wait: inside the RPC deadline with a margin for
    the round trip, so a resource that never shows up is a 404, not a 504."""
    deadline = float(RPC_TIMEOUT.get())
    return min(float(READ_YOUR_WRITES_TIMEOUT.get()), max(deadline / 2, deadline - 1))


class GatewayService:
    name = "gateway"
    correlation = Observability()
    guard = Guard()
    audit_trail = AuditTrail()
    config = Config()
    booking = Rpc("booking")
    orders = Rpc("orders")
    members = Rpc("members")
    inventory = Rpc("inventory")
    finance = Rpc("finance")
    identity = Rpc("identity")

    @endpoint("GET", "/healthz", roles=PUBLIC, document=False)
    def healthz(self, call):
        """Liveness: the process answers."""
        return {"status": "ok"}

    @endpoint("GET", "/readyz", roles=PUBLIC, document=False)
    def readyz(self, call):
        """Readiness: the broker and every service answer."""
        timeout = float(READY_TIMEOUT.get())
        checks = {"broker": eventlet.spawn(broker_answers, self.config["AMQP_URI"], timeout)}
        for name in SERVICES:
            checks[name] = eventlet.spawn(self._ping, name, timeout)
        failed = {name: error for name, check in checks.items() if (error := check.wait())}
        if failed:
            return problem(503, "not-ready", "not ready: " + ", ".join(sorted(failed)),
                           self.correlation.id, failed=failed)
        return {"status": "ready", "checked": sorted(checks)}

    @endpoint("GET", "/metrics", roles=PUBLIC, document=False)
    def metrics(self, call):
        """Prometheus metrics of the gateway."""
        return Response(generate_latest(REGISTRY), mimetype=CONTENT_TYPE_LATEST)

    @endpoint("GET", "/api/v1/openapi.json", roles=PUBLIC, document=False)
    def openapi(self, call):
        """The OpenAPI 3 document of this API."""
        return docs.openapi_document()

    @endpoint("GET", "/docs", roles=PUBLIC, document=False)
    def docs_page(self, call):
        """Human documentation (Swagger UI, served from the gateway: no internet needed)."""
        return docs.page()

    @endpoint("GET", "/docs/static/<string:filename>", roles=PUBLIC, document=False)
    def docs_asset(self, call, filename):
        """Swagger UI's own files."""
        return docs.asset(filename)

    # --- identity -------------------------------------------------------------------------

    @endpoint("POST", "/api/v1/auth/token", roles=PUBLIC, body=schemas.TokenRequest,
              response=schemas.Tokens, errors=(401, 429), audited_by_service=True)
    def issue_token(self, call):
        """Log in: username and password for an access token and a refresh token."""
        return self.identity.issue_token(
            username=call.body["username"], password=call.body["password"],
            client_address=call.address, correlation_id=self.correlation.id)

    @endpoint("POST", "/api/v1/auth/refresh", roles=PUBLIC, body=schemas.RefreshRequest,
              response=schemas.Tokens, errors=(401,), audited_by_service=True)
    def refresh_token(self, call):
        """Swap a refresh token for new tokens; the old refresh token stops working."""
        return self.identity.refresh(refresh_token=call.body["refresh_token"],
                                     client_address=call.address, correlation_id=self.correlation.id)

    @endpoint("POST", "/api/v1/auth/logout", roles=ANYONE, response=schemas.LoggedOut,
              audited_by_service=True, scope="self")
    def logout(self, call):
        """End the caller's session: its access and refresh tokens stop working."""
        caller = call.caller
        return self.identity.logout(session_id=caller.session_id, actor_id=caller.account_id,
                                    client_address=call.address, correlation_id=self.correlation.id,
                                    username=caller.username, role=call.role)

    @endpoint("GET", "/api/v1/me", roles=ANYONE, response=schemas.Me, scope="self")
    def me(self, call):
        """Who the caller is and what they hold."""
        caller = call.caller
        return {"account_id": caller.account_id, "username": caller.username,
                "member_id": caller.member_id,
                "grants": [{"role": role, "store_id": store} for role, store in caller.grants]}

    @endpoint("POST", "/api/v1/members", roles=PUBLIC, body=schemas.Registration,
              response=schemas.Registered, status=201, errors=(409, 422),
              location="/api/v1/members/{member_id}")
    def register_member(self, call):
        """Register as a customer (public): a member profile and a login."""
        body = call.body
        registered = self.identity.register_customer(
            username=body["username"], password=body["password"], name=body["name"],
            email=body["email"], phone=body["phone"], consents=body["consents"],
            client_address=call.address, correlation_id=self.correlation.id)
        call.audit.update(target_id=registered["member_id"], role=CUSTOMER)
        return registered

    @endpoint("GET", "/api/v1/members/<string:member_id>", roles=(*HQ, CUSTOMER),
              response=schemas.Member, errors=(404,), etag=True)
    def get_member(self, call, member_id):
        """A member's profile: HQ, or the member themselves."""
        caller = call.caller
        own = caller.member_id == member_id
        if not own and not caller.roles_among(HQ):
            raise NotFound(f"no member {member_id}")
        # Only the member themselves may be reading right after registering: wait for them.
        return self.members.get_member(member_id=member_id, wait_seconds=wait_budget() if own else 0)

    @endpoint("POST", "/api/v1/accounts", roles=ADMIN, body=schemas.AccountRequest,
              response=schemas.Account, status=201, errors=(409, 422), etag=True,
              location="/api/v1/accounts/{account_id}")
    def create_account(self, call):
        """Create a staff, store manager or HQ account (HQ admins only)."""
        account = self.identity.create_account(
            username=call.body["username"], password=call.body["password"],
            grants=call.body["grants"], actor_id=call.caller.account_id)
        call.audit["target_id"] = account["account_id"]
        return account

    @endpoint("GET", "/api/v1/accounts", roles=ADMIN, query=schemas.AccountsQuery,
              response=schemas.AccountList)
    def list_accounts(self, call):
        """Accounts, by username, optionally of one store or role (HQ admins only)."""
        return self.identity.list_accounts(**call.query)

    @endpoint("GET", "/api/v1/accounts/<string:account_id>", roles=ADMIN,
              response=schemas.Account, errors=(404,), etag=True)
    def get_account(self, call, account_id):
        """One account; its ETag is the version to send back as If-Match (HQ admins only)."""
        return self.identity.get_account(account_id=account_id)

    @endpoint("PATCH", "/api/v1/accounts/<string:account_id>", roles=ADMIN,
              body=schemas.AccountUpdate, response=schemas.Account, errors=(404, 412, 422, 428),
              if_match=True, etag=True)
    def update_account(self, call, account_id):
        """Change an account's grants or disable it; If-Match must carry its version."""
        return self.identity.update_account(
            account_id=account_id, expected_version=call.expected_version,
            actor_id=call.caller.account_id, **call.body)

    @endpoint("GET", "/api/v1/audit", roles=HQ, query=schemas.AuditQuery, response=schemas.AuditPage)
    def audit(self, call):
        """The audit trail, newest first: logins and every state-changing request (HQ only)."""
        query = dict(call.query)
        for bound in ("since", "until"):
            if bound in query:
                query[bound] = query[bound].isoformat()
        return self.identity.audit_log(**query)

    # --- bookings and orders --------------------------------------------------------------

    @endpoint("POST", "/api/v1/bookings", roles=BOOKERS, body=schemas.BookingRequest,
              response=schemas.Booking, status=201, errors=(409, 422), idempotent=True, etag=True,
              location="/api/v1/bookings/{booking_id}")
    def create_booking(self, call):
        """Book a service with a staff member; a customer books only for themselves."""
        body, caller = call.body, call.caller
        role = caller.acts_for_store(BOOKERS, body["store_id"])
        if role is None and CUSTOMER in caller.roles:
            if body["customer_id"] != caller.member_id:
                raise Forbidden("a customer books only for themselves")
            role = CUSTOMER
        if role is None:
            role = require_store(caller, BOOKERS, body["store_id"])
        call.audit["role"] = role
        booking = self.booking.create_booking(
            store_id=body["store_id"], service_id=body["service_id"], staff_id=body["staff_id"],
            customer_id=body["customer_id"], start=body["start"].isoformat(),
            idempotency_key=call.scoped_key())
        call.audit["target_id"] = booking["booking_id"]
        return booking

    @endpoint("GET", "/api/v1/bookings/<string:booking_id>", roles=STORE_READERS,
              response=schemas.Booking, errors=(404,), etag=True)
    def get_booking(self, call, booking_id):
        """One booking: its store's people, HQ, or the customer it is for."""
        return self._visible_booking(call, booking_id)

    @endpoint("GET", "/api/v1/orders", roles=STORE_READERS, query=schemas.OrdersQuery,
              response=schemas.OrderList, errors=(404,))
    def list_orders(self, call):
        """Orders of a booking (one per booking today), paginated like every list."""
        booking_id, limit, offset = call.query["booking_id"], call.query["limit"], call.query["offset"]
        self._visible_booking(call, booking_id)
        # The booking exists, so its order is at most moments away: the orders service
        # waits for its projection (bounded) rather than answering "none" too early.
        try:
            order = self.orders.find_by_booking(booking_id, wait_seconds=wait_budget())
        except NotFound:
            found = []
        else:
            found = [order]
        return {"items": found[offset:offset + limit], "total": len(found), "limit": limit,
                "offset": offset}

    @endpoint("GET,POST,PUT,PATCH,DELETE", "/<path:anything>", roles=PUBLIC, document=False)
    def unknown(self, call, anything):
        """Anything else."""
        raise NotFound(f"no such endpoint: {call.request.method} /{anything}")

    def _visible_booking(self, call: Call, booking_id: str) -> dict:
        try:
            booking = self.booking.get_booking(booking_id)
        except NotFound:
            raise NotFound(f"no booking {booking_id}") from None
        require_visible(call.caller, STORE_READERS, booking["store_id"], booking["customer_id"],
                        "booking", booking_id)
        return booking

    def _ping(self, name: str, timeout: float) -> str | None:
        try:
            getattr(self, name).within(timeout).ping()
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return None


SERVICE = GatewayService
