"""Every error response of the gateway: RFC 9457 problem details, decided in one place.

``type`` is a stable URI per kind of problem (``PROBLEM_TYPE + code``); clients switch on
it, never on ``detail``, which is for people. 400 carries per-field ``errors``.
"""
import json
import logging

from marshmallow import ValidationError
from nameko.exceptions import RemoteError
from werkzeug.wrappers import Response

from shared.errors import DomainError, ServiceUnavailable, TooManyRequests, Unauthorized

log = logging.getLogger(__name__)
PROBLEM_TYPE = "https://salon.example/problems/"
PROBLEM_MIMETYPE = "application/problem+json"
TITLES = {400: "Bad request", 401: "Unauthorized", 402: "Payment required", 403: "Forbidden",
          404: "Not found",
          409: "Conflict", 412: "Precondition failed", 413: "Payload too large", 422: "Unprocessable request",
          428: "Precondition required", 429: "Too many requests", 500: "Internal error",
          503: "Service unavailable", 504: "Service timeout"}


class BadRequest(DomainError):
    """The request itself is malformed (not JSON, wrong fields, a bad header)."""
    status = 400
    code = "invalid-input"


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload-too-large"


def problem(status: int, code: str, detail: str, correlation_id: str | None = None,
            **extra) -> Response:
    body = {"type": PROBLEM_TYPE + code, "title": TITLES.get(status, "Error"), "status": status,
            "detail": detail, **extra}
    if correlation_id:
        body["correlation_id"] = correlation_id
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)


def outcome_of(exc: Exception) -> str:
    """The outcome the metrics count an answered error under: its name, as a service's raised
    error is counted, a refused body being the InvalidInput the services raise for one."""
    return "InvalidInput" if isinstance(exc, ValidationError) else type(exc).__name__


def problem_for(exc: Exception, correlation_id: str | None) -> Response:
    if isinstance(exc, ValidationError):
        return problem(400, "invalid-input", "the request has invalid fields", correlation_id,
                       errors=_field_errors(exc.messages))
    if isinstance(exc, DomainError):
        extra = {"errors": exc.details} if exc.status in (400, 409, 422) and exc.details else {}
        if isinstance(exc, TooManyRequests):
            extra["retry_after"] = exc.retry_after
        response = problem(exc.status, exc.code, exc.message, correlation_id, **extra)
        if isinstance(exc, TooManyRequests | ServiceUnavailable):
            response.headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, Unauthorized):
            response.headers["WWW-Authenticate"] = 'Bearer realm="salon-api"'
        return response
    if isinstance(exc, RemoteError):
        log.error("unexpected remote error", extra={"fields": {"error": str(exc)}})
    else:
        log.exception("unexpected error")
    return problem(500, "internal", "an unexpected error occurred; quote the correlation id",
                   correlation_id)


def _field_errors(messages) -> dict:
    return messages if isinstance(messages, dict) else {"_body": messages}
