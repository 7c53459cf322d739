"""Access tokens: short-lived JWTs that identity signs and the gateway checks.

One algorithm (HS256) is accepted, named explicitly, so a token claiming ``alg=none`` or
any other algorithm is refused before its signature is even looked at. ``aud``, ``iss``,
``exp``, ``iat``, ``sub``, ``sid`` and ``jti`` are all required. A token that passes here
is still only as good as its session: the gateway asks identity whether ``sid`` is live.

Rotation: tokens are signed with AUTH_SECRET only; a token signed with one of
AUTH_SECRET_PREVIOUS is still accepted, so a new secret can be rolled out to identity and
the gateway without logging anyone out, and the old one dropped once ACCESS_TOKEN_TTL has
passed.
"""
import logging
import time
import uuid
from dataclasses import dataclass

import jwt

from shared.config import ACCESS_TOKEN_TTL, AUTH_AUDIENCE, AUTH_ISSUER, AUTH_SECRET, AUTH_SECRET_PREVIOUS
from shared.errors import Unauthorized
from shared.logs import fields

log = logging.getLogger(__name__)
ALGORITHM = "HS256"
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub", "sid", "jti")
MIN_SECRET = 32


class MissingSecret(RuntimeError):
    """AUTH_SECRET is unset or too short: refuse to start rather than sign with a guess."""


@dataclass(frozen=True)
class TokenSettings:
    secret: str
    issuer: str
    audience: str
    ttl: int
    previous: tuple[str, ...] = ()

    @classmethod
    def from_env(cls) -> "TokenSettings":
        secret = AUTH_SECRET.get()
        if len(secret) < MIN_SECRET:
            raise MissingSecret(f"AUTH_SECRET must be set to at least {MIN_SECRET} characters "
                                "(identity and the gateway share it)")
        previous = tuple(old.strip() for old in AUTH_SECRET_PREVIOUS.get().split(",") if old.strip())
        if any(len(old) < MIN_SECRET for old in previous):
            raise MissingSecret(f"every secret in AUTH_SECRET_PREVIOUS must have at least {MIN_SECRET} "
                                "characters (they are former AUTH_SECRETs)")
        return cls(secret, AUTH_ISSUER.get(), AUTH_AUDIENCE.get(), int(ACCESS_TOKEN_TTL.get()), previous)

    def issue(self, account_id: str, session_id: str, roles: list[str]) -> str:
        now = int(time.time())
        return jwt.encode({"iss": self.issuer, "aud": self.audience, "sub": account_id,
                           "sid": session_id, "jti": str(uuid.uuid4()), "iat": now,
                           "exp": now + self.ttl, "roles": roles}, self.secret, ALGORITHM)

    def verify(self, token: str) -> dict:
        """The token's claims, or Unauthorized saying (briefly) why not."""
        try:
            return self._decode(token)
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the access token has expired; refresh it") from None
        except jwt.InvalidTokenError as exc:
            # Why exactly goes to the log, not to a caller who may be probing the checks.
            log.info("access token refused", extra=fields(reason=str(exc)))
            raise Unauthorized("the access token is not valid") from None

    def _decode(self, token: str) -> dict:
        """Claims under the current secret, else under the first previous one that signed it."""
        *earlier, last = (self.secret, *self.previous)
        for secret in earlier:
            try:
                return self._decode_with(token, secret)
            except jwt.InvalidSignatureError:
                continue
        return self._decode_with(token, last)

    def _decode_with(self, token: str, secret: str) -> dict:
        return jwt.decode(token, secret, algorithms=[ALGORITHM], audience=self.audience,
                          issuer=self.issuer, options={"require": list(REQUIRED_CLAIMS)}, leeway=5)
