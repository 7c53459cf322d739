"""The whole system as separate processes, on its own vhost and databases, for e2e tests."""
import contextlib
import os
import socket

import pytest
import requests

from shared.config import SERVICES
from shared.launcher import run_manage, start_system
from shared.testing import QueueTap, scratch_database
from tests.conftest import POSTGRES

RPC_TIMEOUT = 1.5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def system(request, vhost_pipeline, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("system")
    amqp = request.config.getoption("RABBIT_AMQP_URI").rstrip("/")
    with vhost_pipeline.get() as vhost, contextlib.ExitStack() as stack:
        env = {**os.environ, "AMQP_URI": f"{amqp}/{vhost}", "VAR_DIR": str(tmp),
               "GATEWAY_PORT": str(free_port()), "RPC_TIMEOUT": str(RPC_TIMEOUT),
               "READY_TIMEOUT": "1", "LOG_LEVEL": "INFO"}
        for service in SERVICES:
            env[f"{service.upper()}_METRICS_PORT"] = str(free_port())
            if POSTGRES:
                env[f"{service.upper()}_DATABASE_URL"] = stack.enter_context(
                    scratch_database(POSTGRES, tmp))
        running = start_system(env, logs=tmp)
        stack.callback(running.stop_all)
        yield running


@pytest.fixture(scope="session")
def published(system):
    """Every event the system publishes from here on, as an analyst's queues receive them."""
    taps = [QueueTap(system.env["AMQP_URI"], exchange=f"{service}.events")
            for service in ("booking", "orders")]
    run_manage(system.env, "seed", "booking")
    yield lambda: [message for tap in taps for message in tap.drain()]
    for tap in taps:
        tap.close()


@pytest.fixture
def api(system, published):
    session = requests.Session()
    session.headers["Content-Type"] = "application/json"

    class Api:
        base = system.gateway

        def post(self, path, **kwargs):
            return session.post(system.gateway + path, timeout=10, **kwargs)

        def get(self, path, **kwargs):
            return session.get(system.gateway + path, timeout=10, **kwargs)

    return Api()
