"""Errors every service may raise, registered so they cross nameko RPC as their own types.

The gateway maps each type to one HTTP status (see services/gateway/problems.py). The
arguments are (message, details) so that nameko can rebuild them on the calling side.
"""
from nameko.exceptions import deserialize_to_instance

from shared.refusals import Refused


class DomainError(Exception):
    status = 400
    code = "domain-error"

    def __init__(self, message: str, details: dict | None = None):
        super().__init__(message, details or {})
        self.message = message
        self.details = details or {}


@deserialize_to_instance
class InvalidInput(DomainError):
    status = 400
    code = "invalid-input"


@deserialize_to_instance
class NotFound(DomainError):
    status = 404
    code = "not-found"


@deserialize_to_instance
class Conflict(DomainError):
    status = 409
    code = "conflict"


@deserialize_to_instance
class Unprocessable(DomainError):
    status = 422
    code = "unprocessable"


@deserialize_to_instance
class ServiceUnavailable(DomainError):
    """The callee has no consumer at all (never started, or its queue is gone), or the broker
    cannot be reached: worth retrying in a moment (``retry_after`` seconds)."""
    status = 503
    code = "service-unavailable"

    @property
    def retry_after(self) -> int:
        return max(1, int(self.details.get("retry_after", 2)))


@deserialize_to_instance
class DatabaseUnavailable(ServiceUnavailable):
    """The service's database cannot be reached (stopped, restarting, network): nothing was
    written; retry in a moment."""


@deserialize_to_instance
class ServiceTimeout(DomainError):
    """The callee did not answer within the RPC timeout."""
    status = 504
    code = "service-timeout"


@deserialize_to_instance
class Unauthorized(DomainError):
    """No valid credentials: a bad password, or a missing, expired or revoked token."""
    status = 401
    code = "unauthorized"


@deserialize_to_instance
class Forbidden(DomainError):
    """Authenticated, but this caller may not do this."""
    status = 403
    code = "forbidden"


@deserialize_to_instance
class PreconditionFailed(DomainError):
    """``If-Match`` named a version that is no longer the current one."""
    status = 412
    code = "stale-version"


@deserialize_to_instance
class PreconditionRequired(DomainError):
    """An update came without ``If-Match``: it would overwrite blindly."""
    status = 428
    code = "if-match-required"


@deserialize_to_instance
class TooManyRequests(DomainError):
    """Throttled or locked out; ``details["retry_after"]`` is whole seconds."""
    status = 429
    code = "too-many-requests"

    @property
    def retry_after(self) -> int:
        return max(1, int(self.details.get("retry_after", 1)))


def refusal(refused: Refused) -> DomainError:
    """A pure rule's refusal as the caller's problem: 409 if the state forbids it, 422 if the
    request is wrong, naming the field."""
    kind = Conflict if refused.conflict else Unprocessable
    return kind(refused.message, {refused.field: [refused.message]})
