"""The gateway's per-replica security state: token settings, rate limits, client address.

A nameko dependency, built once per container: it refuses to start without
``AUTH_SECRET`` (a gateway that cannot check tokens must not serve), and it holds the
rate limiters, which must outlive a single worker.
"""
from nameko.extensions import DependencyProvider

from shared import metrics
from shared.config import (
    RATE_LIMIT_PER_ADDRESS,
    RATE_LIMIT_PER_USER,
    RATE_LIMIT_PUBLIC_WRITES,
    TRUSTED_PROXIES,
)
from shared.errors import TooManyRequests
from shared.tokens import TokenSettings

from .ratelimit import RateLimiter


class RateLimited(TooManyRequests):
    """Refused by this replica's own limiter (not by identity's lockout)."""


class Guard(DependencyProvider):
    def setup(self):
        self.tokens = TokenSettings.from_env()
        self.per_user = RateLimiter(int(RATE_LIMIT_PER_USER.get()))
        self.per_address = RateLimiter(int(RATE_LIMIT_PER_ADDRESS.get()))
        self.public_writes = RateLimiter(int(RATE_LIMIT_PUBLIC_WRITES.get()))
        self.trusted_proxies = int(TRUSTED_PROXIES.get())

    def get_dependency(self, worker_ctx):
        return self

    def client_address(self, request) -> str:
        """The TCP peer, or with N trusted proxies the address the outermost one saw."""
        peer = request.remote_addr or "unknown"
        if self.trusted_proxies <= 0:
            return peer
        hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
        return hops[-self.trusted_proxies] if len(hops) >= self.trusted_proxies else peer

    def limit_address(self, address: str) -> None:
        self._limit(self.per_address, f"address:{address}", "address", "too many requests per address")

    def limit_public_write(self, address: str) -> None:
        """Anonymous writes (log in, refresh, register) each cost a hash or a write in identity:
        they get a tighter budget than reads."""
        self._limit(self.public_writes, f"public:{address}", "public_write",
                    "too many anonymous writes (log in, refresh, register) per address")

    def limit_user(self, account_id: str) -> None:
        self._limit(self.per_user, f"user:{account_id}", "user", "too many requests per user")

    @staticmethod
    def _limit(limiter: RateLimiter, key: str, limit: str, message: str) -> None:
        wait = limiter.hit(key)
        if wait is not None:
            metrics.RATE_LIMITED.labels(limit).inc()
            raise RateLimited(f"{message}; slow down", {"retry_after": wait})
