"""Durable timers: work due later, kept in the service's own database, fired exactly once.

Owns the logic of the kernel's ``timers`` table (defined in shared/db.py, created by
kernel_0004; its keys in code point order on PostgreSQL since kernel_0005), the
``@on_timer(kind)`` entrypoint, ``TimerRunner`` (the extension of each container that fires
due timers) and the operator's view (``manage timers``, ``manage retry-timer``,
``manage cancel-timer``).

Scheduling belongs to a command: ``uow.schedule(key, kind, due_at, payload, store_id)``
(shared/uow.py) writes the timer in the unit of work's transaction, so it exists exactly when
the command's events do. A caller-chosen key names one timer (``reminder:<booking_id>:24h``):
scheduling the key again moves it and replaces its payload (its tries counted afresh);
``uow.cancel_timer(key)`` deletes it, ``uow.cancel_timers(prefix)`` every timer whose key
starts with the prefix (``reminder:<booking_id>:``).

Firing: ``@on_timer("reminder") def remind(self, timer, uow)`` fires the service's timers of
that kind. One replica at a time fires (it holds the ``timers`` lease, shared/lease.py). It
looks for due timers every TIMER_POLL seconds, at the next due instant it knows of, and at
once when a commit of this process schedules a timer due sooner; due timers fire oldest first
(those that fell due while no replica ran fire as soon as one is back). Each fires in a
worker, in one unit of work that first claims the timer (deletes its row, if it is still due)
and then runs the handler: the handler's events and the end of the timer commit together, or
neither does. Two transactions cannot both claim a row, so a timer fires exactly once, with
any number of replicas and across crashes and restarts. A handler may schedule its own key
again (a daily job): the claim came first, so that is a new timer.

Failures: a handler that raises is rolled back; then, in a transaction of its own, the try is
counted (``attempts``, ``last_error``) and the timer is due again TIMER_BACKOFF seconds later,
doubling each try (at most MAX_RETRY_IN). After TIMER_ATTEMPTS tries it is *dead* and waits
for an operator, who fixes the cause and retries it. A database that cannot be reached counts
no try: the runner waits (with backoff) and tries again. A timer of a kind no handler of this
replica fires is left as it is and counted (``unhandled``): a replica with the handler (the
next version, mid-deploy) fires it.
"""
import functools
import json
import logging
import math
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import eventlet
from nameko.extensions import Entrypoint, ProviderCollector, SharedExtension
from sqlalchemy import bindparam, case, delete, false, func, select, text, true, update
from sqlalchemy.engine import Connection, Engine

from shared import metrics
from shared.config import TIMER_ATTEMPTS, TIMER_BACKOFF, TIMER_POLL
from shared.db import timers
from shared.delivery import UNAVAILABLE, container_kernel, run_worker
from shared.envelope import utc_iso
from shared.errors import DatabaseUnavailable
from shared.handlers import describe, kernel_of
from shared.lease import Lease
from shared.logs import fields
from shared.text import storable, text_problems

log = logging.getLogger(__name__)
LEASE = "timers"  # the cursors row whose lease names the replica that fires
BATCH = 100  # due timers read per look
COUNT_INTERVAL = 2.0  # seconds between a runner's counts for the metrics
MAX_RETRY_IN = 600.0  # seconds: a failing timer's backoff stops doubling there
MAX_WAIT = 5.0  # seconds: the longest a runner waits for a database that cannot be reached
STOP_GRACE = 4.0  # seconds a stopping runner lets the timer in hand finish
MAX_KEY_LENGTH = timers.c.key.type.length
MAX_KIND_LENGTH = timers.c.kind.type.length
MAX_STORE_ID_LENGTH = timers.c.store_id.type.length
MAX_ERROR_LENGTH = 6000

# What a worker reports for one timer (or a ``Failed``).
FIRED, GONE = "fired", "gone"


@dataclass(frozen=True)
class Timer:
    """A timer as its handler gets it."""
    key: str
    kind: str
    due_at: datetime  # the instant it was scheduled for (UTC)
    payload: Any
    store_id: str | None
    attempts: int  # tries that failed before this one
    revision: int  # times its key was scheduled; a failure counts against one revision


@dataclass(frozen=True)
class Failed:
    """A handler's try that raised (and was rolled back): for the runner to count."""
    timer: Timer
    error: str


def _checked(value, what: str, size: int) -> str:
    problems = text_problems(value, size) if isinstance(value, str) and value else ["must not be empty"]
    if problems:
        raise ValueError(f"a timer's {what} {'; '.join(problems)}")
    return value


def _epoch(moment: datetime) -> float:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise ValueError(f"a timer is due at an aware datetime (UTC), not {moment!r}")
    return moment.timestamp()


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _timer(row) -> Timer:
    return Timer(key=row.key, kind=row.kind, due_at=_moment(row.due_at),
                 payload=json.loads(row.payload), store_id=row.store_id, attempts=row.attempts,
                 revision=row.revision)


# --- the table: every function takes the caller's connection (the caller's transaction) ----

# Plain text() is cached by SQLAlchemy (the dialect insert().on_conflict_* is not). On
# PostgreSQL a schedule racing a claim of the same key waits for it: after a firing, a new timer.
_SCHEDULE = text(
    f'INSERT INTO {timers.name} ("key", kind, due_at, next_attempt_at, payload, store_id, attempts, '
    "last_error, dead, revision, created_at) VALUES (:key, :kind, :due_at, :due_at, :payload, "
    ":store_id, 0, NULL, :dead, 1, :now) "
    'ON CONFLICT ("key") DO UPDATE SET kind = excluded.kind, due_at = excluded.due_at, '
    "next_attempt_at = excluded.next_attempt_at, payload = excluded.payload, "
    "store_id = excluded.store_id, attempts = 0, last_error = NULL, dead = excluded.dead, "
    f"revision = {timers.name}.revision + 1")
_CANCEL = delete(timers).where(timers.c.key == bindparam("b_key"))
_LIVE = timers.c.dead == false()
_HANDLED = timers.c.kind.in_(bindparam("b_kinds", expanding=True))
_DUE = (select(timers.c.key, timers.c.kind)
        .where(_LIVE, _HANDLED, timers.c.next_attempt_at <= bindparam("b_now"))
        .order_by(timers.c.next_attempt_at, timers.c.key).limit(bindparam("b_limit")))
_NEXT_DUE = select(func.min(timers.c.next_attempt_at)).where(_LIVE, _HANDLED)
_CLAIM = (delete(timers).where(timers.c.key == bindparam("b_key"), timers.c.kind == bindparam("b_kind"),
                               _LIVE, timers.c.next_attempt_at <= bindparam("b_now"))
          .returning(*timers.c))
_FAILED = (update(timers).where(timers.c.key == bindparam("b_key"),
                                timers.c.revision == bindparam("b_revision"),
                                timers.c.attempts == bindparam("b_seen"))
           .values(attempts=bindparam("b_attempts"), last_error=bindparam("b_error"),
                   dead=bindparam("b_dead"), next_attempt_at=bindparam("b_next")))
# cancel_prefix: a range of the primary key, not LIKE. SQLite's LIKE ignores case and so
# cannot use the index, and every booking command cancels reminders this way. Keys compare in
# code point order (SQLite's BINARY, PostgreSQL's "C" since kernel_0005), where the keys that
# start with a prefix are exactly those from it up to its successor; substr says it exactly.
_CANCEL_FROM = delete(timers).where(
    timers.c.key >= bindparam("b_from"),
    func.substr(timers.c.key, 1, bindparam("b_length")) == bindparam("b_from"))
_CANCEL_RANGE = _CANCEL_FROM.where(timers.c.key < bindparam("b_to"))
_RETRY = (update(timers).where(timers.c.key == bindparam("b_key"), timers.c.dead == true())
          .values(dead=False, attempts=0, next_attempt_at=bindparam("b_now")))


def schedule(conn: Connection, key: str, kind: str, due_at: datetime, payload: Any,
             store_id: str | None = None) -> float:
    """Create timer ``key``, or move it and replace what it carries (tries counted afresh).
    ``payload`` is anything JSON can carry. Returns when it is due, in epoch seconds."""
    if store_id is not None:
        _checked(store_id, "store id", MAX_STORE_ID_LENGTH)
    due = _epoch(due_at)
    conn.execute(_SCHEDULE, {
        "key": _checked(key, "key", MAX_KEY_LENGTH), "kind": _checked(kind, "kind", MAX_KIND_LENGTH),
        "due_at": due, "payload": json.dumps(payload, sort_keys=True, allow_nan=False),
        "store_id": store_id, "dead": False, "now": time.time()})
    return due


def cancel(conn: Connection, key: str) -> bool:
    """Delete timer ``key``; False if there is none (never scheduled, fired or cancelled)."""
    return bool(conn.execute(_CANCEL, {"b_key": key}).rowcount)


def cancel_prefix(conn: Connection, prefix: str) -> int:
    """Delete every timer whose key starts with ``prefix`` (exactly: case and wildcards
    count as themselves); returns how many."""
    if not prefix:
        raise ValueError("an empty prefix would cancel every timer of the service")
    if prefix[-1] == chr(0x10FFFF):  # no successor: the range has no upper end
        return conn.execute(_CANCEL_FROM, {"b_from": prefix, "b_length": len(prefix)}).rowcount
    return conn.execute(_CANCEL_RANGE, {"b_from": prefix, "b_to": prefix[:-1] + chr(ord(prefix[-1]) + 1),
                                        "b_length": len(prefix)}).rowcount


def due(conn: Connection, kinds: Iterable[str], now: float, limit: int = BATCH) -> list:
    """(key, kind) of live timers of ``kinds`` due at ``now``, oldest first."""
    return conn.execute(_DUE, {"b_kinds": list(kinds), "b_now": now, "b_limit": limit}).all()


def next_due(conn: Connection, kinds: Iterable[str]) -> float | None:
    """When the next live timer of ``kinds`` is due (epoch seconds), or None."""
    return conn.execute(_NEXT_DUE, {"b_kinds": list(kinds)}).scalar()


def claim(conn: Connection, key: str, kind: str, now: float) -> Timer | None:
    """Delete timer ``key`` if it is still a live timer of ``kind`` due at ``now``, and return
    it: the caller's transaction fires it. Of concurrent claims one gets it; the others wait
    for it (the row lock on PostgreSQL, the write lock on SQLite) and find nothing."""
    row = conn.execute(_CLAIM, {"b_key": key, "b_kind": kind, "b_now": now}).first()
    return None if row is None else _timer(row)


def record_failure(conn: Connection, timer: Timer, error: str, attempts_allowed: int,
                   backoff: float, now: float) -> bool | None:
    """Count a failed try of ``timer`` (its handler's transaction was rolled back): due again
    ``backoff`` seconds from ``now``, doubling each try, or dead once ``attempts_allowed``
    tries are spent. True if dead now, False if it will be retried, None if the timer was
    rescheduled or cancelled meanwhile (that is another timer: nothing to count)."""
    attempts = timer.attempts + 1
    dead = attempts >= attempts_allowed
    retry_in = min(backoff * 2 ** min(attempts - 1, 32), MAX_RETRY_IN)
    counted = conn.execute(_FAILED, {
        "b_key": timer.key, "b_revision": timer.revision, "b_seen": timer.attempts,
        "b_attempts": attempts, "b_error": storable(error, MAX_ERROR_LENGTH), "b_dead": dead,
        "b_next": now + retry_in}).rowcount
    return dead if counted else None


def retry(conn: Connection, key: str, now: float) -> bool:
    """A dead timer fires again from ``now``, its tries counted afresh (its cause fixed)."""
    return bool(conn.execute(_RETRY, {"b_key": key, "b_now": now}).rowcount)


def counts(conn: Connection, kinds: Iterable[str], now: float) -> dict:
    """For the metrics: timers pending and dead, due ones of kinds not in ``kinds``
    (unhandled), and how long the oldest due timer of ``kinds`` has waited (lag)."""
    kinds = set(kinds)
    found = {"pending": 0, "dead": 0, "unhandled": 0, "unhandled_kinds": [], "lag": 0.0}
    due_now = func.sum(case((timers.c.next_attempt_at <= now, 1), else_=0))
    rows = conn.execute(select(timers.c.kind, timers.c.dead, func.count(), due_now,
                               func.min(timers.c.next_attempt_at))
                        .group_by(timers.c.kind, timers.c.dead)).all()
    for kind, dead, count, due_count, soonest in rows:
        if dead:
            found["dead"] += count
            continue
        found["pending"] += count
        if kind not in kinds and due_count:
            found["unhandled"] += due_count
            found["unhandled_kinds"].append(kind)
        elif kind in kinds:
            found["lag"] = max(found["lag"], now - soonest)
    found["unhandled_kinds"].sort()
    return found


def _view(row, full: bool = False) -> dict:
    view = {"key": row.key, "kind": row.kind, "due_at": utc_iso(_moment(row.due_at)),
            "next_attempt_at": None if row.dead else utc_iso(_moment(row.next_attempt_at)),
            "attempts": row.attempts, "dead": bool(row.dead), "store_id": row.store_id,
            "last_error": row.last_error}
    if full:
        view.update(payload=json.loads(row.payload), revision=row.revision,
                    created_at=utc_iso(_moment(row.created_at)))
    return view


def overview(conn: Connection, now: float, upcoming: int = 20) -> dict:
    """What ``manage timers`` shows: counts by kind, every dead timer, the next ones to fire."""
    due_now = func.sum(case((timers.c.next_attempt_at <= now, 1), else_=0))
    by_kind: dict[str, dict] = {}
    for kind, dead, count, due_count in conn.execute(
            select(timers.c.kind, timers.c.dead, func.count(), due_now)
            .group_by(timers.c.kind, timers.c.dead).order_by(timers.c.kind)):
        entry = by_kind.setdefault(kind, {"pending": 0, "due": 0, "dead": 0})
        if dead:
            entry["dead"] += count
        else:
            entry["pending"] += count
            entry["due"] += due_count
    dead = [_view(row) for row in conn.execute(
        select(timers).where(timers.c.dead == true()).order_by(timers.c.due_at, timers.c.key))]
    coming = [_view(row) for row in conn.execute(
        select(timers).where(_LIVE).order_by(timers.c.next_attempt_at, timers.c.key).limit(upcoming))]
    return {"kinds": by_kind, "dead": dead, "upcoming": coming}


def detail(conn: Connection, key: str) -> dict | None:
    """One timer in full (payload, last error), or None."""
    row = conn.execute(select(timers).where(timers.c.key == key)).first()
    return None if row is None else _view(row, full=True)


# --- waking runners early -------------------------------------------------------------------

class _Alarm:
    """What a runner sleeps on: rung by this process's commits that schedule a timer due
    before the runner means to look again, and by the runner's stop."""

    def __init__(self):
        self._cond = threading.Condition()
        self._soonest = math.inf  # the soonest due rung since the runner last looked
        self._stopped = False

    def ring(self, due_at: float) -> None:
        with self._cond:
            if due_at < self._soonest:
                self._soonest = due_at
                self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def sleep(self, seconds: float) -> None:
        """``seconds`` at most; less if a timer due before then is rung meanwhile."""
        until = time.time() + seconds
        with self._cond:
            self._cond.wait_for(lambda: self._stopped or self._soonest < until, timeout=seconds)
            self._soonest = math.inf


_alarms: dict[str, set[_Alarm]] = {}
_alarms_guard = threading.Lock()


def _listen(engine: Engine, alarm: _Alarm, listening: bool) -> None:
    with _alarms_guard:
        alarms = _alarms.setdefault(str(engine.url), set())
        if listening:
            alarms.add(alarm)
        else:
            alarms.discard(alarm)


def wake(engine: Engine, due_at: float) -> None:
    """A commit of this process scheduled a timer due at ``due_at`` (epoch seconds): the
    runners of this process on that database look again if that is sooner than they meant to."""
    with _alarms_guard:
        alarms = tuple(_alarms.get(str(engine.url), ()))
    for alarm in alarms:
        alarm.ring(due_at)


# --- firing ---------------------------------------------------------------------------------

class _Gone(Exception):
    """The timer is no longer due here: fired, cancelled, moved or dead meanwhile."""


def fire(access, service, fn, kind: str, key: str):
    """What ``@on_timer`` runs in a worker (``access`` is its kernel handle): claim the timer
    and run its handler in one unit of work. FIRED, GONE, UNAVAILABLE or a ``Failed``."""
    claimed: list[Timer] = []

    def work(uow):
        timer = claim(uow.conn, key, kind, time.time())
        if timer is None:
            raise _Gone()
        claimed.append(timer)
        fn(service, timer, uow)

    try:
        access.execute(work, causation_id=f"timer:{key}")
        return FIRED
    except _Gone:
        return GONE
    except DatabaseUnavailable as exc:
        # Not the timer's fault: no try is counted; the runner waits and fires it again.
        log.warning("database unavailable; the timer waits", extra=fields(
            timer=key, error=repr(exc.__cause__ or exc)))
        return UNAVAILABLE
    except Exception as exc:
        if not claimed:  # the claim itself failed: there is no try to count
            log.exception("cannot claim a timer", extra=fields(timer=key))
            return UNAVAILABLE
        error = describe(exc)
        log.warning("timer handler failed", extra=fields(timer=key, kind=kind, error=repr(exc)))
        return Failed(claimed[-1], f"{error['error_type']}: {error['error']}\n{error['trace']}")


class TimerRunner(SharedExtension, ProviderCollector):
    """One per container: while it holds the ``timers`` lease, fires the due timers of the
    kinds its service has handlers for."""

    def setup(self):
        config = self.container.config
        self.service = self.container.service_name
        self.poll = float(config.get("TIMER_POLL") or TIMER_POLL.get())
        self.attempts = int(config.get("TIMER_ATTEMPTS") or TIMER_ATTEMPTS.get())
        self.backoff = float(config.get("TIMER_BACKOFF") or TIMER_BACKOFF.get())
        self.owner = f"{self.service}-{uuid.uuid4().hex[:12]}"
        self._alarm = _Alarm()
        self._running = False
        self._thread = None
        self._counted_at = -math.inf
        self._unhandled_told: list[str] = []

    def start(self):
        if not self._providers or self._running:
            return
        handlers: dict[str, TimerEntrypoint] = {}
        for provider in sorted(self._providers, key=lambda p: p.method_name):
            if provider.kind in handlers:
                raise TypeError(f"{self.service}: timers of kind {provider.kind!r} have two handlers, "
                                f"{handlers[provider.kind].method_name} and {provider.method_name}")
            handlers[provider.kind] = provider
        self._handlers = handlers
        self.db = container_kernel(self.container).db
        self.lease = Lease(self.db, LEASE, self.owner)
        self._running = True
        _listen(self.db.engine, self._alarm, listening=True)
        self._thread = self.container.spawn_managed_thread(self._run, identifier=f"{self.service}.timers")

    def unregister_provider(self, provider):
        super().unregister_provider(provider)
        if not self._providers:
            self._shutdown(grace=STOP_GRACE)

    def kill(self):
        self._shutdown(grace=None)

    def _shutdown(self, grace: float | None) -> None:
        """Stop looking; let the timer in hand finish (within ``grace``), then hand the lease
        back. Killed (no grace), the lease just runs out."""
        if not self._running:
            return
        self._running = False
        self._alarm.stop()
        _listen(self.db.engine, self._alarm, listening=False)
        if grace is None:
            return
        with eventlet.Timeout(grace, False):
            self._thread.wait()
        try:
            self.lease.release()
        except Exception as exc:  # stopping anyway: the lease runs out by itself
            log.info("could not hand the timers' lease back", extra=fields(error=repr(exc)))

    def _run(self) -> None:
        backoff = 0.1
        while self._running:
            try:
                wait = self._round()
                backoff = 0.1
            except DatabaseUnavailable as exc:
                metrics.TIMER_WAITS.labels(self.service).inc()
                log.warning("timers wait for the database", extra=fields(
                    error=repr(exc.__cause__ or exc), retry_in=backoff))
                wait, backoff = backoff, min(backoff * 2, MAX_WAIT)
            except Exception:  # never let the managed thread end: that would kill the service
                log.exception("timer round failed; trying again", extra=fields(retry_in=backoff))
                wait, backoff = backoff, min(backoff * 2, MAX_WAIT)
            self._alarm.sleep(wait)

    def _round(self) -> float:
        """Fire what is due, if this replica holds the lease; the seconds until the next look."""
        if time.monotonic() - self._counted_at >= COUNT_INTERVAL:
            self._count()
        if not self.lease.hold():
            return self.poll
        with self.db.read() as conn:
            found = due(conn, self._handlers, time.time())
        for key, kind in found:
            if not self._running or not self.lease.hold():
                return self.poll
            self._fire(key, kind)
        if len(found) == BATCH:
            return 0.0
        with self.db.read() as conn:
            soonest = next_due(conn, self._handlers)
        return self.poll if soonest is None else min(self.poll, max(0.0, soonest - time.time()))

    def _fire(self, key: str, kind: str) -> None:
        outcome = run_worker(self.container, self._handlers[kind], key)
        if outcome == FIRED:
            metrics.TIMERS_FIRED.labels(self.service, kind).inc()
        elif outcome == UNAVAILABLE:
            raise DatabaseUnavailable(f"timer {key} could not fire: the database cannot take it")
        elif isinstance(outcome, Failed):
            self._count_failure(outcome)

    def _count_failure(self, failed: Failed) -> None:
        timer = failed.timer
        metrics.TIMER_FAILURES.labels(self.service, timer.kind).inc()
        with self.db.write(notify=False) as conn:
            dead = record_failure(conn, timer, failed.error, self.attempts, self.backoff, time.time())
        if dead:
            metrics.TIMERS_DEAD.labels(self.service, timer.kind).inc()
            log.error("timer is dead: it waits for an operator", extra=fields(
                timer=timer.key, kind=timer.kind, attempts=timer.attempts + 1,
                error=failed.error.split("\n", 1)[0]))

    def _count(self) -> None:
        self._counted_at = time.monotonic()
        with self.db.read() as conn:
            found = counts(conn, self._handlers, time.time())
        for state in ("pending", "unhandled", "dead"):
            metrics.TIMERS.labels(self.service, state).set(found[state])
        metrics.TIMER_LAG_SECONDS.labels(self.service).set(found["lag"])
        if found["unhandled_kinds"] != self._unhandled_told:
            self._unhandled_told = found["unhandled_kinds"]
            if found["unhandled"]:
                log.warning("due timers of kinds this replica has no handler for wait for one that "
                            "has", extra=fields(timers=found["unhandled"], kinds=found["unhandled_kinds"]))


class TimerEntrypoint(Entrypoint):
    """The entrypoint ``@on_timer`` declares: the timers of one kind."""
    runner = TimerRunner()

    def __init__(self, kind: str, **kwargs):
        self.kind = kind
        super().__init__(**kwargs)

    def setup(self):
        self.runner.register_provider(self)

    def stop(self):
        self.runner.unregister_provider(self)


def on_timer(kind: str):
    """``@on_timer("reminder") def remind(self, timer, uow)``: the method fires the service's
    timers of ``kind``. It gets the ``Timer`` and a unit of work that commits (events, further
    timers) with the timer's end; raising rolls both back and counts a failed try."""
    _checked(kind, "kind", MAX_KIND_LENGTH)

    def decorate(fn):
        @functools.wraps(fn)
        def entry(self, key):
            return fire(kernel_of(self), self, fn, kind, key)
        return TimerEntrypoint.decorator(kind)(entry)
    return decorate
