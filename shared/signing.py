"""Signed callbacks between a payment provider and the gateway: who sent a body, and when.

The sender signs ``<timestamp>.<body>`` with HMAC-SHA256 under a secret both sides hold and
sends ``t=<timestamp>,v1=<hex digest>`` in a header (the scheme Stripe and others use). The
receiver refuses a signature that does not match the exact bytes it got (forged or altered),
and one older or newer than the tolerance (replayed later, or a clock far off). Within the
tolerance a replay is caught by the receiver remembering the callback ids it has handled.
"""
import hashlib
import hmac
import time

SCHEME = "v1"
TOLERANCE = 300.0  # seconds a signature stays acceptable


class BadSignature(ValueError):
    """A signature header that is missing, malformed, wrong or out of its time window."""


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The signature header for ``body``, made now unless a ``timestamp`` is given."""
    moment = int(time.time()) if timestamp is None else timestamp
    return f"t={moment},{SCHEME}={_digest(secret, moment, body)}"


def verify(secret: str, header: str | None, body: bytes, now: float | None = None,
           tolerance: float = TOLERANCE) -> int:
    """The signed timestamp, if ``header`` signs exactly ``body`` within ``tolerance`` of
    ``now``; else ``BadSignature`` saying what is wrong."""
    if not header:
        raise BadSignature("no signature")
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        moment = int(parts["t"])
        given = parts[SCHEME]
    except (KeyError, ValueError):
        raise BadSignature(f"a signature is t=<unix time>,{SCHEME}=<hex>") from None
    if not hmac.compare_digest(given, _digest(secret, moment, body)):
        raise BadSignature("the signature does not match the body")
    if abs((time.time() if now is None else now) - moment) > tolerance:
        raise BadSignature(f"the signature is more than {tolerance:g} s from now")
    return moment


def _digest(secret: str, moment: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{moment}.".encode() + body, hashlib.sha256).hexdigest()
