"""RPC between services with a deadline. nameko's ``RpcProxy`` waits forever.

``Rpc("orders")`` is a drop-in dependency: ``self.orders.find(...)`` raises
``ServiceTimeout`` after ``RPC_TIMEOUT`` seconds, and ``ServiceUnavailable`` when no queue
exists for the service, when the broker cannot take the request, or while the caller has
just started and cannot receive replies yet: a dead service or broker gives the caller an
answer (503 at the gateway, to retry), not a hang.
The request message expires after the same deadline: a command the caller has given up on
is dropped by the broker instead of running when the callee comes back. The worker's
context (with its correlation id) travels with the call, as in nameko.

``@rpc`` is nameko's, except that its queue is of QUEUE_TYPE (quorum on a cluster), replies
go without publisher confirms, and a reply the broker cannot take (it is restarting, the
connection is gone) is logged and counted instead of killing the service: the caller has
its deadline, and the service must outlive any broker outage.
"""
import logging
import time

import eventlet
from amqp.exceptions import AMQPError
from kombu.exceptions import OperationalError as KombuOperationalError
from nameko.amqp.publish import Publisher
from nameko.constants import (
    AMQP_SSL_CONFIG_KEY,
    AMQP_URI_CONFIG_KEY,
    DEFAULT_SERIALIZER,
    LOGIN_METHOD_CONFIG_KEY,
    SERIALIZER_CONFIG_KEY,
)
from nameko.exceptions import UnknownService
from nameko.rpc import Responder, RpcConsumer, RpcProxy, get_rpc_exchange
from nameko.rpc import Rpc as RpcEntrypoint

from shared import metrics
from shared.config import RPC_TIMEOUT, queue_type_arguments
from shared.errors import ServiceTimeout, ServiceUnavailable
from shared.logs import fields

log = logging.getLogger(__name__)


class _ReplyPublisher(Publisher):
    # A reply needs no publisher confirm: the caller's deadline already covers a reply the
    # broker loses, and waiting for the confirm held the worker (and its database
    # connection) for one more broker round trip on every call.
    use_confirms = False


class _Responder(Responder):
    publisher_cls = _ReplyPublisher


class _SurvivingRpcConsumer(RpcConsumer):
    def setup(self):
        super().setup()
        self.queue.queue_arguments = {**(self.queue.queue_arguments or {}), **queue_type_arguments()}

    def handle_result(self, message, result, exc_info):
        config = self.container.config
        try:
            responder = _Responder(config[AMQP_URI_CONFIG_KEY], get_rpc_exchange(config),
                                   config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER), message,
                                   ssl=config.get(AMQP_SSL_CONFIG_KEY),
                                   login_method=config.get(LOGIN_METHOD_CONFIG_KEY))
            result, exc_info = responder.send_response(result, exc_info)
            self.queue_consumer.ack_message(message)
            return result, exc_info
        except Exception as exc:  # the broker is away: the reply is lost, the service is not
            routing_key = message.delivery_info.get("routing_key", "")
            metrics.RPC_REPLY_FAILURES.labels(self.container.service_name, routing_key).inc()
            log.warning("RPC reply could not be sent", extra=fields(
                method=routing_key, error=f"{type(exc).__name__}: {exc}"))
            # The request ran: acked, it is not run again when the consumer reconnects, and it
            # does not hold a prefetch slot for good (nameko acks only after a reply is sent).
            try:
                self.queue_consumer.ack_message(message)
            except Exception:  # its connection is gone too; the broker has it back
                pass
            return result, exc_info


class _SurvivingRpc(RpcEntrypoint):
    rpc_consumer = _SurvivingRpcConsumer()


rpc = _SurvivingRpc.decorator


class _TimedMethod:
    def __init__(self, method, target: str, timeout: float, replies_ready):
        self._method = method
        self._target = target
        self._timeout = timeout
        self._replies_ready = replies_ready

    def __call__(self, *args, **kwargs):
        if not self._replies_ready():
            # Just started: the queue our replies come back on is not consumed yet, so an
            # answer would be lost and the caller would wait out its deadline for nothing.
            raise ServiceUnavailable("starting up: not ready to receive replies yet",
                                     {"service": self._target, "retry_after": 1})
        started = time.monotonic()
        try:
            # Sending is inside the deadline too: with the broker away, kombu would go on
            # retrying the publish for longer than any caller should wait.
            with eventlet.Timeout(self._timeout):
                reply = self._method.call_async(*args, **kwargs)
        except UnknownService as exc:
            raise ServiceUnavailable(f"service {self._target} is not running",
                                     {"service": self._target}) from exc
        except (eventlet.Timeout, OSError, KombuOperationalError, AMQPError) as exc:
            raise ServiceUnavailable("the message broker cannot be reached; retry in a moment",
                                     {"service": self._target}) from exc
        try:
            with eventlet.Timeout(max(0.0, self._timeout - (time.monotonic() - started))):
                return reply.result()
        except eventlet.Timeout:
            raise ServiceTimeout(
                f"service {self._target} did not answer within {self._timeout:g}s",
                {"service": self._target, "method": self._method.method_name}) from None


class _TimedServiceProxy:
    def __init__(self, proxy, target: str, timeout: float, replies_ready):
        self._proxy = proxy
        self._target = target
        self._timeout = timeout
        self._replies_ready = replies_ready

    def __getattr__(self, name):
        return _TimedMethod(getattr(self._proxy, name), self._target, self._timeout,
                            self._replies_ready)

    def within(self, seconds: float) -> "_TimedServiceProxy":
        """The same proxy with another deadline (health checks want a shorter one)."""
        return _TimedServiceProxy(self._proxy, self._target, seconds, self._replies_ready)


class Rpc(RpcProxy):
    def __init__(self, target_service: str, timeout: float | None = None, **options):
        self.timeout = float(RPC_TIMEOUT.get()) if timeout is None else timeout
        options.setdefault("expiration", self.timeout)
        super().__init__(target_service, **options)

    def get_dependency(self, worker_ctx):
        # nameko 2.14 (pinned) sets this event once its reply consumer consumes.
        replies = self.rpc_reply_listener.queue_consumer._consumers_ready
        return _TimedServiceProxy(super().get_dependency(worker_ctx), self.target_service,
                                  self.timeout, replies.ready)
