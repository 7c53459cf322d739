"""Health, readiness, metrics, the API's documents, and the answer to any other path."""
import eventlet
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from werkzeug.wrappers import Response

from shared.amqp import broker_answers
from shared.config import READY_TIMEOUT, SERVICES
from shared.errors import InvalidInput, NotFound

from .. import docs
from ..api import PUBLIC, endpoint
from ..problems import problem


class PlatformRoutes:
    @endpoint("GET", "/healthz", roles=PUBLIC, document=False)
    def healthz(self, call):
        """Liveness: the process answers."""
        return {"status": "ok"}

    @endpoint("GET", "/readyz", roles=PUBLIC, document=False)
    def readyz(self, call):
        """Readiness: the broker and every service answer. ``?checks=broker`` (comma-separated
        names) runs only those: a replica's readiness probe asks for the broker alone, so one
        service being down does not take every gateway out of the load balancer."""
        wanted = [name for name in call.request.args.get("checks", "").split(",") if name]
        unknown = sorted(set(wanted) - {"broker", *SERVICES})
        if unknown:
            raise InvalidInput(f"unknown check {', '.join(unknown)}; known: broker, {', '.join(SERVICES)}",
                               {"checks": [f"unknown check {name!r}" for name in unknown]})
        timeout = float(READY_TIMEOUT.get())
        checks = {}
        if not wanted or "broker" in wanted:
            checks["broker"] = eventlet.spawn(broker_answers, self.config["AMQP_URI"], timeout)
        for name in SERVICES:
            if not wanted or name in wanted:
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

    # werkzeug ranks rules by how specific they are, not by order: every other rule wins.
    @endpoint("GET,POST,PUT,PATCH,DELETE", "/<path:anything>", roles=PUBLIC, document=False)
    def unknown(self, call, anything):
        """Anything else."""
        raise NotFound(f"no such endpoint: {call.request.method} /{anything}")

    def _ping(self, name: str, timeout: float) -> str | None:
        try:
            getattr(self, name).within(timeout).ping()
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return None
