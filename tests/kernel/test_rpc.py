"""RPC deadlines: a slow callee raises ServiceTimeout, a missing one ServiceUnavailable; nothing hangs."""
import time

import eventlet
import pytest
from nameko.rpc import rpc
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_hook

from shared.errors import ServiceTimeout, ServiceUnavailable
from shared.rpc import Rpc

TIMEOUT = 0.3
NEVER_HANGS = 10  # seconds: far above the deadline, far below "hangs"
GATE = {"open": eventlet.Event()}


class Sleepy:
    name = "sleepy"

    @rpc
    def nap(self):
        GATE["open"].wait()  # answers only when the test is over
        return "rested"


class Caller:
    name = "caller"
    sleepy = Rpc("sleepy", timeout=TIMEOUT)
    nobody = Rpc("nobody", timeout=TIMEOUT)

    @rpc
    def ask_sleepy(self):
        return self.sleepy.nap()

    @rpc
    def ask_nobody(self):
        return self.nobody.anything()


@pytest.fixture
def services(kernel_config, start_service):
    GATE["open"] = eventlet.Event()
    start_service(Sleepy, kernel_config())
    yield start_service(Caller, kernel_config())
    GATE["open"].send()


def timed(call):
    started = time.monotonic()
    with eventlet.Timeout(NEVER_HANGS):
        try:
            call()
        except Exception as exc:
            return exc, time.monotonic() - started
    raise AssertionError("the call answered")


def test_calling_a_service_that_does_not_answer_in_time_raises_service_timeout(services):
    with entrypoint_hook(services, "ask_sleepy") as ask:
        error, took = timed(ask)

    assert isinstance(error, ServiceTimeout)
    assert error.details == {"service": "sleepy", "method": "nap"}
    assert TIMEOUT <= took < NEVER_HANGS


def test_calling_a_service_that_has_no_queue_raises_service_unavailable(services):
    with entrypoint_hook(services, "ask_nobody") as ask:
        error, took = timed(ask)

    assert isinstance(error, ServiceUnavailable)
    assert error.details == {"service": "nobody"}
    assert took < NEVER_HANGS


@pytest.mark.parametrize("method, error_type", [("ask_sleepy", ServiceTimeout),
                                                ("ask_nobody", ServiceUnavailable)])
def test_deadline_errors_reach_the_callers_caller_as_their_own_types(
        services, kernel_config, method, error_type):
    with ServiceRpcProxy("caller", kernel_config()) as caller:
        error, _ = timed(getattr(caller, method))

    assert type(error) is error_type
    assert error.status in (503, 504)
