"""The port a service shows its supervisor: ``/metrics``, ``/healthz`` and ``/readyz``.

One small HTTP server per port and process (several containers of one process may share
it). ``/healthz`` is liveness: the process answers, nothing more, so a broker or database
outage never gets a healthy pod restarted. ``/readyz`` is readiness, "can serve": every
check registered on the port must pass within READY_TIMEOUT (the kernel registers its
service's database and broker), else 503 with the failed checks named, as JSON. A service
not started yet, or stopping, is not ready either (nameko stops the entrypoints first, so
by then its consumers are letting go of their queues; its Service carries no traffic).
"""
import json
import socketserver
import threading
from collections.abc import Callable
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import eventlet
from prometheus_client import make_wsgi_app

Check = Callable[[], str | None]  # None when it passes, else why not


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format, *args):  # a probe every few seconds is not news
        pass


class Port:
    """What one probe port answers; the checks are added and withdrawn by the kernel."""

    def __init__(self, timeout: float):
        self.timeout = timeout
        self.checks: dict[str, Check] = {}
        self._metrics = make_wsgi_app()
        self._lock = threading.Lock()

    def add(self, name: str, check: Check) -> None:
        with self._lock:
            self.checks[name] = check

    def withdraw(self, name: str) -> None:
        with self._lock:
            self.checks.pop(name, None)

    def readiness(self) -> dict[str, str]:
        """The failed checks and why (empty: ready); each check runs at once, within the timeout."""
        with self._lock:
            checks = dict(self.checks)
        if not checks:
            return {"checks": "nothing registered on this port yet"}
        running = {name: eventlet.spawn(_bounded, check, self.timeout) for name, check in checks.items()}
        return {name: error for name, thread in running.items() if (error := thread.wait())}

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _json(start_response, "200 OK", {"status": "ok"})
        if path == "/readyz":
            failed = self.readiness()
            if failed:
                return _json(start_response, "503 Service Unavailable",
                             {"status": "not ready", "failed": failed})
            return _json(start_response, "200 OK", {"status": "ready", "checked": sorted(self.checks)})
        if path in ("/metrics", "/"):
            return self._metrics(environ, start_response)
        return _json(start_response, "404 Not Found", {"status": "no such path", "paths":
                                                        ["/healthz", "/readyz", "/metrics"]})


def _bounded(check: Check, timeout: float) -> str | None:
    try:
        with eventlet.Timeout(timeout):
            return check()
    except eventlet.Timeout:
        return f"no answer within {timeout:g} s"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


def _json(start_response, status: str, body: dict):
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


_ports: dict[int, Port] = {}
_lock = threading.Lock()


def serve(port: int, timeout: float) -> Port:
    """The probe server on ``port``, started on first use in this process (its checks
    get ``timeout`` seconds each)."""
    with _lock:
        if port not in _ports:
            server = make_server("0.0.0.0", port, probe := Port(timeout), server_class=_Server,
                                 handler_class=_Quiet)
            threading.Thread(target=server.serve_forever, name=f"probes:{port}", daemon=True).start()
            _ports[port] = probe
        return _ports[port]
