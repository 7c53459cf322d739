"""RPC between services with a deadline. nameko's ``RpcProxy`` waits forever.

``Rpc("orders")`` is a drop-in dependency: ``self.orders.find(...)`` raises
``ServiceTimeout`` after ``RPC_TIMEOUT`` seconds and ``ServiceUnavailable`` when no
queue exists for the service, so a dead service gives the caller an answer, not a hang.
The request message expires after the same deadline: a command the caller has given up on
is dropped by the broker instead of running when the callee comes back. The worker's
context (with its correlation id) travels with the call, as in nameko.
"""
import eventlet
from nameko.exceptions import UnknownService
from nameko.rpc import RpcProxy

from shared.config import RPC_TIMEOUT
from shared.errors import ServiceTimeout, ServiceUnavailable


class _TimedMethod:
    def __init__(self, method, target: str, timeout: float):
        self._method = method
        self._target = target
        self._timeout = timeout

    def __call__(self, *args, **kwargs):
        try:
            reply = self._method.call_async(*args, **kwargs)
        except UnknownService as exc:
            raise ServiceUnavailable(f"service {self._target} is not running",
                                     {"service": self._target}) from exc
        try:
            with eventlet.Timeout(self._timeout):
                return reply.result()
        except eventlet.Timeout:
            raise ServiceTimeout(
                f"service {self._target} did not answer within {self._timeout:g}s",
                {"service": self._target, "method": self._method.method_name}) from None


class _TimedServiceProxy:
    def __init__(self, proxy, target: str, timeout: float):
        self._proxy = proxy
        self._target = target
        self._timeout = timeout

    def __getattr__(self, name):
        return _TimedMethod(getattr(self._proxy, name), self._target, self._timeout)

    def within(self, seconds: float) -> "_TimedServiceProxy":
        """The same proxy with another deadline (health checks want a shorter one)."""
        return _TimedServiceProxy(self._proxy, self._target, seconds)


class Rpc(RpcProxy):
    def __init__(self, target_service: str, timeout: float | None = None, **options):
        self.timeout = float(RPC_TIMEOUT.get()) if timeout is None else timeout
        options.setdefault("expiration", self.timeout)
        super().__init__(target_service, **options)

    def get_dependency(self, worker_ctx):
        return _TimedServiceProxy(super().get_dependency(worker_ctx), self.target_service, self.timeout)
