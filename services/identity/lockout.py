"""Login throttling: a locked username, and a client address failing too often.

Both count the private ``login_attempts`` table (shared by every replica). An attempt is
reserved there, pending, in one write transaction that first checks both limits; the password
is checked after that transaction and the row settled (failed or success) in another. A
pending row counts as a failure: attempts running at the same time count against each other,
and one that never settles (a crash mid-check) errs on the safe side.

SQLite serializes write transactions already (BEGIN IMMEDIATE behind the process's writer
lock); on PostgreSQL, the reservation first takes transaction-scoped advisory locks on the
username and the address, so two reservations of one of them run one after the other and the
second sees the first's row (READ COMMITTED: each statement sees what committed before it).
"""
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import delete, func, insert, select, update

from shared import db
from shared.config import LOCKOUT_ATTEMPTS, LOCKOUT_DURATION, LOCKOUT_WINDOW, LOGIN_ADDRESS_ATTEMPTS
from shared.db import lock_key
from shared.envelope import utc_iso

from .domain import LockoutPolicy, locked_until, retry_after
from .tables import login_attempts

LOGIN = "issue_token"
PENDING, FAILED, SUCCESS = "pending", "failed", "success"
_FAILING = (PENDING, FAILED)


def policy() -> LockoutPolicy:
    return LockoutPolicy(int(LOCKOUT_ATTEMPTS.get()), float(LOCKOUT_WINDOW.get()),
                         float(LOCKOUT_DURATION.get()))


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _since(seconds: float, now: float) -> str:
    return utc_iso(datetime.fromtimestamp(now - seconds, UTC))


def serialize(conn, username: str, client_address: str | None) -> None:
    """Reservations of one username, or from one address, run one after the other."""
    keys = [lock_key(f"identity.login.username:{username}")]
    if client_address:
        keys.append(lock_key(f"identity.login.address:{client_address}"))
    db.serialize(conn, *keys)


def _recent(conn, username: str, rules: LockoutPolicy, now: float) -> list:
    # A lock still running began within the last `duration`, after failures within the
    # `window` before that; older attempts cannot matter.
    return conn.execute(select(login_attempts.c.attempt_id, login_attempts.c.at, login_attempts.c.outcome)
                        .where(login_attempts.c.username == username,
                               login_attempts.c.at >= _since(rules.window + rules.duration, now))
                        .order_by(login_attempts.c.at, login_attempts.c.attempt_id)).all()


def username_retry_after(conn, username: str, now: float | None = None) -> int | None:
    """Seconds until ``username`` may try again, or None when it is not locked."""
    now = time.time() if now is None else now
    rules = policy()
    until = locked_until(((_epoch(r.at), FAILED if r.outcome == PENDING else r.outcome)
                          for r in _recent(conn, username, rules, now)), rules)
    return retry_after(until, now) if until is not None and until > now else None


def locks(conn, username: str, attempt_id: str, now: float | None = None) -> bool:
    """Whether the failure just settled as ``attempt_id`` locked ``username`` (for the metric):
    the settled attempts lock it now and, without this one, did not, so each lock is counted
    once, by the failure that reached the limit. Pending attempts are left out (each is judged
    when it settles); the caller serializes the settling of one username's failures, so each
    sees those settled before it."""
    now = time.time() if now is None else now
    rules = policy()
    settled = [r for r in _recent(conn, username, rules, now) if r.outcome != PENDING]

    def locked(rows) -> bool:
        until = locked_until(((_epoch(r.at), r.outcome) for r in rows), rules)
        return until is not None and until > now

    return locked(settled) and not locked([r for r in settled if r.attempt_id != attempt_id])


def address_retry_after(conn, client_address: str | None, now: float | None = None) -> int | None:
    """Seconds until ``client_address`` is under its failure limit again, or None if it is."""
    if not client_address:
        return None
    now = time.time() if now is None else now
    limit, window = int(LOGIN_ADDRESS_ATTEMPTS.get()), float(LOCKOUT_WINDOW.get())
    recent = (select(login_attempts.c.at).where(
        login_attempts.c.client_address == client_address,
        login_attempts.c.outcome.in_(_FAILING), login_attempts.c.at >= _since(window, now)))
    count = conn.execute(select(func.count()).select_from(recent.subquery())).scalar()
    if count < limit:
        return None
    # Under the limit again once the (count - limit + 1)th oldest failure leaves the window.
    oldest = conn.execute(recent.order_by(login_attempts.c.at).offset(count - limit).limit(1)).scalar()
    return retry_after(_epoch(oldest) + window, now)


def reserve(conn, username: str, client_address: str | None, now: float | None = None) -> str:
    """Insert a pending attempt (the caller checked the limits in this same transaction);
    rows of this username and address too old to matter go at the same time."""
    now = time.time() if now is None else now
    rules = policy()
    horizon = _since(rules.window + rules.duration, now)  # what both counts look back over
    conn.execute(delete(login_attempts).where(login_attempts.c.username == username,
                                              login_attempts.c.at < horizon))
    if client_address:
        conn.execute(delete(login_attempts).where(login_attempts.c.client_address == client_address,
                                                  login_attempts.c.at < horizon))
    attempt_id = str(uuid.uuid4())
    conn.execute(insert(login_attempts).values(
        attempt_id=attempt_id, username=username, client_address=client_address,
        at=utc_iso(datetime.fromtimestamp(now, UTC)), outcome=PENDING))
    return attempt_id


def settle(conn, attempt_id: str, succeeded: bool) -> None:
    conn.execute(update(login_attempts).where(login_attempts.c.attempt_id == attempt_id)
                 .values(outcome=SUCCESS if succeeded else FAILED))
