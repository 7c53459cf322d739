"""Sessions and refresh tokens (private: only sha256 digests of tokens are stored).

A refresh token is ``<session_id>.<random>``; each refresh marks the presented token used
and issues the next one. A used token presented again means someone kept a copy: the
whole session is revoked.
"""
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, update

from shared.envelope import utc_iso
from shared.text import text_problems

from .tables import accounts, refresh_tokens, sessions


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _could_be_id(value) -> bool:
    """Whether ``value`` could be a session id at all: text no database refuses, short enough.
    Anything else is no session, answered without asking the database (PostgreSQL would
    fail on a NUL rather than find nothing)."""
    return isinstance(value, str) and not text_problems(value, 64)


@dataclass(frozen=True)
class Issued:
    session_id: str
    refresh_token: str
    refresh_expires_in: int


def _new_token(conn, session_id: str, now: datetime) -> str:
    token = f"{session_id}.{secrets.token_urlsafe(32)}"
    conn.execute(insert(refresh_tokens).values(token_hash=digest(token), session_id=session_id,
                                               issued_at=utc_iso(now)))
    return token


def start(conn, account_id: str, ttl: int) -> Issued:
    now = datetime.now(UTC)
    session_id = str(uuid.uuid4())
    conn.execute(insert(sessions).values(session_id=session_id, account_id=account_id,
                                         created_at=utc_iso(now),
                                         expires_at=utc_iso(now + timedelta(seconds=ttl))))
    return Issued(session_id, _new_token(conn, session_id, now), ttl)


class RefreshRefused(Exception):
    """The token cannot be refreshed; ``account_id`` is known when the session was found."""

    def __init__(self, account_id: str | None = None):
        super().__init__(account_id)
        self.account_id = account_id


def rotate(conn, token: str) -> tuple[str, Issued]:
    """Mark ``token`` used and issue the next one: (account_id, Issued), or RefreshRefused.

    A reused token revokes its session; the caller must commit before raising, so that the
    revocation holds."""
    if not isinstance(token, str) or "." not in token or len(token) > 200 \
            or not _could_be_id(token.partition(".")[0]):
        raise RefreshRefused()
    try:
        token_hash = digest(token)
    except UnicodeEncodeError:  # a lone surrogate: no token of ours
        raise RefreshRefused() from None
    found = conn.execute(
        select(refresh_tokens.c.used_at, sessions, accounts.c.disabled)
        .join(sessions, sessions.c.session_id == refresh_tokens.c.session_id)
        .join(accounts, accounts.c.account_id == sessions.c.account_id, isouter=True)
        .where(refresh_tokens.c.token_hash == token_hash)).first()
    if found is None:
        raise RefreshRefused()
    now = datetime.now(UTC)
    # The conditional update, not the read above, decides: of two racing refreshes with one
    # token, exactly one marks it used; the other is treated as reuse.
    if found.used_at is not None or conn.execute(
            update(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash,
                                         refresh_tokens.c.used_at.is_(None))
            .values(used_at=utc_iso(now))).rowcount != 1:
        revoke(conn, found.session_id)
        raise RefreshRefused(found.account_id)
    if found.revoked_at is not None or found.expires_at <= utc_iso(now) or found.disabled:
        raise RefreshRefused(found.account_id)
    left = datetime.fromisoformat(found.expires_at) - now
    return found.account_id, Issued(found.session_id, _new_token(conn, found.session_id, now),
                                    max(0, int(left.total_seconds())))


def revoke(conn, session_id: str) -> None:
    if not _could_be_id(session_id):
        return
    conn.execute(update(sessions).where(sessions.c.session_id == session_id,
                                        sessions.c.revoked_at.is_(None))
                 .values(revoked_at=utc_iso(datetime.now(UTC))))


def revoke_all(conn, account_id: str) -> None:
    conn.execute(update(sessions).where(sessions.c.account_id == account_id,
                                        sessions.c.revoked_at.is_(None))
                 .values(revoked_at=utc_iso(datetime.now(UTC))))


def live_principal(conn, session_id: str, account_id: str):
    """One indexed read: the session (by key) joined to its account, if it is still good."""
    if not (_could_be_id(session_id) and _could_be_id(account_id)):
        return None
    row = conn.execute(
        select(sessions.c.account_id, sessions.c.expires_at, sessions.c.revoked_at,
               accounts.c.username, accounts.c.grants, accounts.c.member_id, accounts.c.disabled)
        .join(accounts, accounts.c.account_id == sessions.c.account_id)
        .where(sessions.c.session_id == session_id)).first()
    if (row is None or row.account_id != account_id or row.revoked_at is not None or row.disabled
            or row.expires_at <= utc_iso(datetime.now(UTC))):
        return None
    return row
