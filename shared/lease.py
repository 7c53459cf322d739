"""Leases: one replica at a time does a background job of a service's database.

A lease is a named row of the kernel's ``cursors`` table: an owner and an expiry (and, for
a follower such as the relay, the position it has reached, saved with each renewal). A
replica takes the lease when it is free, expired or already its own, renews it before half
of it is spent and hands it back when it stops cleanly, so a crash holds the job back for
at most ``seconds`` and a clean stop not at all. The outbox relay (``relay``) and the timer
runner (``timers``) each hold one.

A lease decides who works, never what is done once: a holder that stalls past its expiry
can overlap with the next one for a moment, so what must happen once is claimed in the
transaction that does it (the timer row), or is harmless to repeat (a republished event).
"""
import time

from sqlalchemy import bindparam, or_, select, text, update

from shared.db import Database, cursors

LEASE_SECONDS = 5.0  # a crashed holder holds the job back this long at most

# Built once (building a statement and its cache key costs more than running a cached one).
_CREATE = text(f"INSERT INTO {cursors.name} (name, position, lease_until) "
               "VALUES (:name, 0, 0.0) ON CONFLICT (name) DO NOTHING")
_POSITION = select(cursors.c.position).where(cursors.c.name == bindparam("b_name"))
_TAKE = (update(cursors).where(cursors.c.name == bindparam("b_name"))
         .where(or_(cursors.c.owner == bindparam("b_owner"), cursors.c.owner.is_(None),
                    cursors.c.lease_until < bindparam("b_now")))
         .values(owner=bindparam("b_owner"), lease_until=bindparam("b_until")))
_MINE = (update(cursors).where(cursors.c.name == bindparam("b_name"))
         .where(cursors.c.owner == bindparam("b_owner")))
_RENEW = _MINE.values(lease_until=bindparam("b_until"))
_ADVANCE = _MINE.values(position=bindparam("b_position"), lease_until=bindparam("b_until"))
_RELEASE = _MINE.values(owner=None, lease_until=0.0)


class Lease:
    """The lease ``name`` of one database, as ``owner`` (unique per replica) sees it."""

    def __init__(self, db: Database, name: str, owner: str, seconds: float = LEASE_SECONDS):
        self.db = db
        self.name = name
        self.owner = owner
        self.seconds = seconds
        self._until = 0.0  # ours until then, as far as we know

    def held(self) -> bool:
        return self._until > time.time()

    def expiring(self) -> bool:
        """Less than half of it left: time to renew."""
        return self._until - time.time() < self.seconds / 2

    def take(self) -> int | None:
        """Take the lease if it is free, expired or ours: the row's position if we hold it
        now, else None."""
        now = time.time()
        with self.db.write(notify=False) as conn:
            conn.execute(_CREATE, {"name": self.name})
            taken = conn.execute(_TAKE, {"b_name": self.name, "b_owner": self.owner, "b_now": now,
                                         "b_until": now + self.seconds}).rowcount
            position = conn.execute(_POSITION, {"b_name": self.name}).scalar() if taken else None
        self._until = now + self.seconds if taken else 0.0
        return position

    def renew(self, position: int | None = None) -> bool:
        """Extend the lease, saving ``position`` with it if given; False if another replica
        holds it now."""
        now = time.time()
        params = {"b_name": self.name, "b_owner": self.owner, "b_until": now + self.seconds}
        with self.db.write(notify=False) as conn:
            if position is None:
                moved = conn.execute(_RENEW, params).rowcount
            else:
                moved = conn.execute(_ADVANCE, {**params, "b_position": position}).rowcount
        self._until = now + self.seconds if moved else 0.0
        return bool(moved)

    def hold(self) -> bool:
        """Hold the lease for a while from now: take it, or renew it once half spent."""
        if not self.held():
            return self.take() is not None
        return not self.expiring() or self.renew()

    def release(self) -> None:
        """Hand the lease back, so a restarted or sibling replica takes over at once instead
        of waiting out ``seconds`` (only a crash should cost that wait)."""
        if self._until:
            with self.db.write(notify=False) as conn:
                conn.execute(_RELEASE, {"b_name": self.name, "b_owner": self.owner})
            self._until = 0.0
