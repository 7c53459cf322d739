"""Access tokens: short-lived JWTs that identity signs and the gateway checks.

One algorithm (HS256) is accepted, named explicitly, so a token claiming ``alg=none`` or
any other algorithm is refused before its signature is even looked at. ``aud``, ``iss``,
``exp``, ``iat``, ``sub``, ``sid`` and ``jti`` are all required. A token that passes here
is still only as good as its session: the gateway asks identity whether ``sid`` is live.
"""
import logging
import time
import uuid
from dataclasses import dataclass

import jwt

from shared.config import ACCESS_TOKEN_TTL, AUTH_AUDIENCE, AUTH_ISSUER, AUTH_SECRET
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

    @classmethod
    def from_env(cls) -> "TokenSettings":
        secret = AUTH_SECRET.get()
        if len(secret) < MIN_SECRET:
            raise MissingSecret(f"AUTH_SECRET must be set to at least {MIN_SECRET} characters "
                                "(identity and the gateway share it)")
        return cls(secret, AUTH_ISSUER.get(), AUTH_AUDIENCE.get(), int(ACCESS_TOKEN_TTL.get()))

    def issue(self, account_id: str, session_id: str, roles: list[str]) -> str:
        now = int(time.time())
        return jwt.encode({"iss": self.issuer, "aud": self.audience, "sub": account_id,
                           "sid": session_id, "jti": str(uuid.uuid4()), "iat": now,
                           "exp": now + self.ttl, "roles": roles}, self.secret, ALGORITHM)

    def verify(self, token: str) -> dict:
        """The token's claims, or Unauthorized saying (briefly) why not."""
        try:
            return jwt.decode(token, self.secret, algorithms=[ALGORITHM], audience=self.audience,
                              issuer=self.issuer, options={"require": list(REQUIRED_CLAIMS)},
                              leeway=5)
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the access token has expired; refresh it") from None
        except jwt.InvalidTokenError as exc:
            # Why exactly goes to the log, not to a caller who may be probing the checks.
            log.info("access token refused", extra=fields(reason=str(exc)))
            raise Unauthorized("the access token is not valid") from None
