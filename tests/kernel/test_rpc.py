"""RPC deadlines: a slow callee raises ServiceTimeout, a missing one ServiceUnavailable; nothing hangs."""
import time

import eventlet
import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_hook

from shared.errors import ServiceTimeout, ServiceUnavailable
from shared.rpc import Rpc, rpc

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


class Slow:
    name = "slow"

    @rpc
    def work(self, seconds: float):
        eventlet.sleep(seconds)
        return "done"


def test_a_reply_the_broker_cannot_take_is_counted_and_the_service_lives_on(
        kernel_config, runner_factory, proxy):
    from shared.testing import metric, poll_until, start_service

    config = kernel_config()
    slow = start_service(runner_factory, {**config, "AMQP_URI": proxy.uri(config["AMQP_URI"])}, Slow)
    lost = metric("salon_rpc_reply_failures_total", service="slow", method="slow.work")
    caller = ServiceRpcProxy("slow", config)
    with caller as client:
        client.work.call_async(1.0)
        eventlet.sleep(0.3)  # the call is running in the service when the broker goes away
    proxy.cut()
    poll_until(lambda: metric("salon_rpc_reply_failures_total", service="slow",
                              method="slow.work") == lost + 1, what="the lost reply counted")
    assert slow.started and not slow._died.ready()
    proxy.restore()

    def answers():
        try:
            with ServiceRpcProxy("slow", {**config, "RPC_TIMEOUT": 1}, timeout=2) as client:
                return client.work(0)
        except Exception:
            return None
    assert poll_until(answers, timeout=30, what="the service answers again") == "done"


def test_a_call_the_broker_cannot_take_is_service_unavailable_within_the_deadline(
        kernel_config, runner_factory, proxy):
    from shared.testing import start_service

    config = kernel_config()
    GATE["open"] = eventlet.Event()
    start_service(runner_factory, config, Sleepy)
    caller = start_service(runner_factory, {**config, "AMQP_URI": proxy.uri(config["AMQP_URI"])},
                           Caller)
    proxy.cut()  # the broker is gone for the caller
    with entrypoint_hook(caller, "ask_sleepy") as ask:
        error, took = timed(ask)
    GATE["open"].send()

    assert isinstance(error, ServiceUnavailable)
    assert error.retry_after == 2
    assert took < TIMEOUT + 1


def test_a_caller_that_cannot_receive_replies_yet_is_told_to_retry_not_left_waiting(
        kernel_config, runner_factory, proxy):
    from shared.testing import start_service

    config = kernel_config()
    caller = start_service(runner_factory, {**config, "AMQP_URI": proxy.uri(config["AMQP_URI"])},
                           Caller)
    rpc_proxy = next(dep for dep in caller.dependencies if isinstance(dep, Rpc))
    rpc_proxy.rpc_reply_listener.queue_consumer._consumers_ready.reset()  # as at start-up
    with entrypoint_hook(caller, "ask_sleepy") as ask:
        error, took = timed(ask)

    assert isinstance(error, ServiceUnavailable)
    assert (error.retry_after, error.message) == (1, "starting up: not ready to receive replies yet")
    assert took < TIMEOUT
