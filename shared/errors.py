"""Errors every service may raise, registered so they cross nameko RPC as their own types.

The gateway maps each type to one HTTP status (see services/gateway/problems.py). The
arguments are (message, details) so that nameko can rebuild them on the calling side.
"""
from nameko.exceptions import deserialize_to_instance


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
    """The callee has no consumer at all (never started, or its queue is gone)."""
    status = 503
    code = "service-unavailable"


@deserialize_to_instance
class ServiceTimeout(DomainError):
    """The callee did not answer within the RPC timeout."""
    status = 504
    code = "service-timeout"
