"""The whole system as separate processes, on its own vhost and databases, for e2e tests."""
import contextlib
import os
import uuid
from itertools import count

import pytest
import requests

from shared.config import SERVICES
from shared.launcher import free_port, run_manage, start_system
from shared.testing import QueueTap, scratch_database
from tests.conftest import POSTGRES

RPC_TIMEOUT = 3
ADMIN_PASSWORD = "demo-" + uuid.uuid4().hex
PROVIDER_SECRET = uuid.uuid4().hex



@contextlib.contextmanager
def running_system(request, vhost_pipeline, tmp, replicas=None):
    """Every service and the gateway as processes, on a vhost and databases of their own
    (``replicas``: start_system's, e.g. two orders and two gateways)."""
    amqp = request.config.getoption("RABBIT_AMQP_URI").rstrip("/")
    with vhost_pipeline.get() as vhost, contextlib.ExitStack() as stack:
        env = {**os.environ, "AMQP_URI": f"{amqp}/{vhost}", "VAR_DIR": str(tmp),
               "GATEWAY_PORT": str(free_port()), "RPC_TIMEOUT": str(RPC_TIMEOUT),
               "READY_TIMEOUT": "1", "LOG_LEVEL": "INFO", "AUTH_SECRET": uuid.uuid4().hex * 2,
               "DEMO_ADMIN_PASSWORD": ADMIN_PASSWORD, "TRUSTED_PROXIES": "1",
               "PROVIDER_SECRET": PROVIDER_SECRET, "PROVIDER_CALLBACK_DELAY": "0.3",
               "RATE_LIMIT_PER_USER": "100000", "RATE_LIMIT_PER_ADDRESS": "100000",
               "RATE_LIMIT_PUBLIC_WRITES": "100000",
               # the session's tokens must outlive the e2e run (the fuzz run alone can take
               # longer than the default 15 minutes on a loaded machine)
               "ACCESS_TOKEN_TTL": "3600"}
        for service in SERVICES:
            env[f"{service.upper()}_METRICS_PORT"] = str(free_port())
            env[f"{service.upper()}_DATABASE_URL"] = stack.enter_context(scratch_database(POSTGRES, tmp))
        running = start_system(env, logs=tmp, replicas=replicas)
        stack.callback(running.stop_all)
        yield running


@pytest.fixture(scope="session")
def system(request, vhost_pipeline, tmp_path_factory):
    with running_system(request, vhost_pipeline, tmp_path_factory.mktemp("system")) as running:
        yield running


@pytest.fixture(scope="session")
def published(system):
    """Every event the system publishes from here on, as an analyst's queues receive them."""
    taps = [QueueTap(system.env["AMQP_URI"], exchange=f"{service}.events")
            for service in ("booking", "orders", "identity", "members", "inventory", "gateway")]
    run_manage(system.env, "seed", "all")
    yield lambda: [message for tap in taps for message in tap.drain()]
    for tap in taps:
        tap.close()


_addresses = count(1)


def client_address() -> str:
    """A client address of its own per test: the gateway trusts one proxy hop here, so
    per-address login throttles and rate limits of one test never touch another."""
    n = next(_addresses)
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


class Api:
    """HTTP against the gateway as one client (one address), optionally with a token."""

    def __init__(self, base: str, token: str | None = None, address: str | None = None):
        self.base = base
        self.token = token
        self.address = address or client_address()
        self.session = requests.Session()
        self.session.headers["Content-Type"] = "application/json"

    def headers(self, extra: dict | None) -> dict:
        out = {"X-Forwarded-For": self.address}
        if self.token:
            out["Authorization"] = f"Bearer {self.token}"
        return {**out, **(extra or {})}

    def request(self, method: str, path: str, headers: dict | None = None, **kwargs):
        return self.session.request(method, self.base + path, headers=self.headers(headers),
                                    timeout=10, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request("PATCH", path, **kwargs)

    def put(self, path, **kwargs):
        return self.request("PUT", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def as_(self, token: str | None) -> "Api":
        """The same client address with another token (None: anonymous)."""
        return Api(self.base, token, self.address)

    def login(self, username: str, password: str) -> dict:
        answer = self.as_(None).post("/api/v1/auth/token",
                                     json={"username": username, "password": password})
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture(scope="session")
def admin_token(system, published):
    return Api(system.gateway).login("admin", ADMIN_PASSWORD)["access_token"]


@pytest.fixture
def api(system, admin_token):
    """A client logged in as the demo HQ admin."""
    return Api(system.gateway, admin_token)


@pytest.fixture
def anonymous(system, published):
    return Api(system.gateway)


@pytest.fixture
def make_user(system, admin_token):
    """Create an account through the API and log it in: returns an Api acting as it."""
    def make(*grants: tuple[str, str | None], password: str = "correct horse battery") -> Api:
        username = f"user-{uuid.uuid4().hex[:10]}"
        admin = Api(system.gateway, admin_token)
        answer = admin.post("/api/v1/accounts", json={
            "username": username, "password": password,
            "grants": [{"role": role, "store_id": store} for role, store in grants]})
        assert answer.status_code == 201, answer.text
        client = Api(system.gateway)
        client.token = client.login(username, password)["access_token"]
        client.account = answer.json()
        client.username = username
        return client
    return make


@pytest.fixture
def make_customer(system, published):
    """Register a customer through the public endpoint and log them in."""
    def make(password: str = "correct horse battery") -> Api:
        username = f"cust-{uuid.uuid4().hex[:10]}@example.com"
        client = Api(system.gateway)
        answer = client.post("/api/v1/members", json={
            "username": username, "password": password, "name": "Camille Martin",
            "email": username, "consents": {"terms": True, "marketing_email": False,
                                            "marketing_sms": False}})
        assert answer.status_code == 201, answer.text
        client.registered = answer.json()
        client.member_id = client.registered["member_id"]
        client.username = username
        client.token = client.login(username, password)["access_token"]
        return client
    return make
