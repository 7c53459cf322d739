"""The gateway: the only HTTP surface. Health, readiness, metrics and the v1 API."""
import eventlet
from nameko.dependency_providers import Config
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from werkzeug.wrappers import Response

from shared.amqp import broker_answers
from shared.config import READY_TIMEOUT, SERVICES
from shared.errors import NotFound
from shared.observe import Observability
from shared.rpc import Rpc

from . import schemas
from .api import endpoint
from .problems import problem


class GatewayService:
    name = "gateway"
    correlation = Observability()
    config = Config()
    booking = Rpc("booking")
    orders = Rpc("orders")
    members = Rpc("members")
    inventory = Rpc("inventory")
    finance = Rpc("finance")

    @endpoint("GET", "/healthz")
    def healthz(self, request):
        return {"status": "ok"}

    @endpoint("GET", "/readyz")
    def readyz(self, request):
        timeout = float(READY_TIMEOUT.get())
        checks = {"broker": eventlet.spawn(broker_answers, self.config["AMQP_URI"], timeout)}
        for name in SERVICES:
            checks[name] = eventlet.spawn(self._ping, name, timeout)
        failed = {name: error for name, check in checks.items() if (error := check.wait())}
        if failed:
            return problem(503, "not-ready", "not ready: " + ", ".join(sorted(failed)),
                           self.correlation.id, failed=failed)
        return {"status": "ready", "checked": sorted(checks)}

    @endpoint("GET", "/metrics")
    def metrics(self, request):
        return Response(generate_latest(REGISTRY), mimetype=CONTENT_TYPE_LATEST)

    @endpoint("POST", "/api/v1/bookings", body=schemas.BookingRequest, response=schemas.Booking,
              status=201)
    def create_booking(self, request, body):
        return self.booking.create_booking(
            store_id=body["store_id"], service_id=body["service_id"], staff_id=body["staff_id"],
            customer_id=body["customer_id"], start=body["start"].isoformat())

    @endpoint("GET", "/api/v1/bookings/<string:booking_id>", response=schemas.Booking)
    def get_booking(self, request, booking_id):
        return self.booking.get_booking(booking_id)

    @endpoint("GET", "/api/v1/orders", query=schemas.OrdersQuery, response=schemas.OrderList)
    def list_orders(self, request, query):
        # A booking that exists gets its order even if the projection is still catching up
        # (read-your-writes: the orders service waits, bounded); an unknown one answers at once.
        self.booking.get_booking(query["booking_id"])
        try:
            order = self.orders.find_by_booking(query["booking_id"])
        except NotFound:
            return {"items": [], "total": 0}
        return {"items": [order], "total": 1}

    @endpoint("GET,POST,PUT,PATCH,DELETE", "/<path:anything>")
    def unknown(self, request, anything):
        raise NotFound(f"no such endpoint: {request.method} /{anything}")

    def _ping(self, name: str, timeout: float) -> str | None:
        try:
            getattr(self, name).within(timeout).ping()
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return None


SERVICE = GatewayService
