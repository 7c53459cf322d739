"""Personal data in events: sealed with a key per person, forgotten by destroying the key.

An event store is append-only, yet a member may ask to be forgotten. A contract names the
fields of its data that are personal and the field saying whose they are (``Personal``).
When such an event is appended, those fields are stored sealed (AES-GCM) with that person's
key from this service's ``personal_keys`` table; everything else (ids, amounts, counts,
times) stays readable. Every reader of the stored events (a projection's rebuild, a stream
read by an aggregate, the outbox relay) opens them with ``Keys``. ``erase`` destroys the key:
from then on the sealed fields read as ``None`` everywhere, in the live models the erasure's
own handlers scrub and in every rebuild after it, without rewriting a single event. An event
appended for a person already erased stores, and projects, no personal data at all.

Each service keeps the keys of its own events in its own database, so no service depends on
another to read its own history; an erasure reaches every service as an event (members'
``MemberErased``) that each handles by erasing its own key. Events are published opened, as
their contracts define them: consumers validate and project them as before.
"""
import base64
import dataclasses
import json
import os
import time

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from shared.contracts import Personal, holds_personal, personal_of
from shared.db import APPEND_LOCK_KEY, lock_key, personal_keys, serialize
from shared.errors import Conflict

SEALED = "_sealed"  # the data key that holds the sealed fields of a stored event
_NONCE_BYTES = 12
_ERASED = object()  # a key row whose key is gone: the person is erased

_ADD_KEY = text(
    f"INSERT INTO {personal_keys.name} (subject_id, key, created_at) VALUES (:subject, :key, :at) "
    "ON CONFLICT (subject_id) DO NOTHING")


class Keys:
    """The personal keys of one transaction, each read (or made) once."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self._found: dict[str, object] = {}

    def _key(self, subject: str, create: bool):
        if subject not in self._found:
            if create:
                serialize(self.conn, _lock(subject))
            read = select(personal_keys.c.key).where(personal_keys.c.subject_id == subject)
            row = self.conn.execute(read).first()
            if row is None and create:
                # Only the first event of a person writes a key. Under the lock above (or
                # SQLite's one writer) no other transaction makes theirs meanwhile.
                self.conn.execute(_ADD_KEY, {"subject": subject, "key": AESGCM.generate_key(256),
                                             "at": time.time()})
                row = self.conn.execute(read).first()
            if row is None:
                return None
            self._found[subject] = _ERASED if row.key is None else bytes(row.key)
        return self._found[subject]

    def seal(self, personal: Personal | None, event_type: str, data: dict) -> tuple[dict, dict]:
        """(what to store, what to project live) of an event's data. Both are ``data`` when
        nothing in it is personal; both lack the personal fields once the person is erased."""
        subject = data.get(personal.subject) if personal else None
        if subject is None:
            return data, data
        private = {name: data[name] for name in personal.fields if name in data}
        public = {name: value for name, value in data.items() if name not in private}
        key = self._key(subject, create=True)
        if key is _ERASED:
            blank = {**public, **dict.fromkeys(private)}
            return blank, blank
        nonce = os.urandom(_NONCE_BYTES)
        box = AESGCM(key).encrypt(nonce, json.dumps(private).encode(), _aad(event_type, subject))
        sealed = {"subject": subject, "fields": sorted(private),
                  "box": base64.b64encode(nonce + box).decode()}
        return {**public, SEALED: sealed}, data

    def open(self, envelope):
        """``envelope`` with its sealed fields read back, or ``None`` in each if the person
        is erased. An event stored before sealing existed (or before its contract sealed one
        more field) holds those fields in clear: they read as ``None`` too once its person is
        erased."""
        sealed = envelope.data.get(SEALED)
        if sealed is None:
            return self._unsealed(envelope)
        public = {name: value for name, value in envelope.data.items() if name != SEALED}
        key = self._key(sealed["subject"], create=False)
        if key is None or key is _ERASED:
            # the contract's fields too: one sealed since the event was stored reads blank
            personal = personal_of(envelope.type, envelope.schemaversion)
            later = [name for name in personal.fields if name in public] if personal else []
            blank = dict.fromkeys([*sealed["fields"], *later])
            return dataclasses.replace(envelope, data={**public, **blank})
        raw = base64.b64decode(sealed["box"])
        try:
            private = json.loads(AESGCM(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:],
                                                     _aad(envelope.type, sealed["subject"])))
        except InvalidTag as exc:
            raise ValueError(f"event {envelope.id}: its sealed fields do not open with "
                             f"{sealed['subject']}'s key") from exc
        return dataclasses.replace(envelope, data={**public, **private})


    def _unsealed(self, envelope):
        personal = personal_of(envelope.type, envelope.schemaversion)
        subject = envelope.data.get(personal.subject) if personal else None
        if subject is None or self._key(subject, create=False) is not _ERASED:
            return envelope
        blank = {name: None for name in personal.fields if name in envelope.data}
        return dataclasses.replace(envelope, data={**envelope.data, **blank})


def _aad(event_type: str, subject: str) -> bytes:
    # Binds a box to its event type and person: a box copied into another event won't open.
    return f"{event_type}\x00{subject}".encode()


def may_hold_personal(event_type: str, stored_json: str) -> bool:
    """Whether a stored event may hold personal fields (sealed, or stored before sealing
    existed): cheap, before parsing it."""
    return f'"{SEALED}"' in stored_json or holds_personal(event_type)


def erase(conn: Connection, subject: str) -> bool:
    """Destroy the person's key (or, if this service never had one, record that they are
    erased, so nothing personal of theirs is stored from now on). False if already erased."""
    # The event store's append lock first, as every append takes it before a person's lock
    # (sealing): the other order would deadlock with an append for this person.
    serialize(conn, APPEND_LOCK_KEY)
    serialize(conn, _lock(subject))
    conn.execute(_ADD_KEY, {"subject": subject, "key": None, "at": time.time()})
    done = conn.execute(personal_keys.update().where(personal_keys.c.subject_id == subject,
                                                     personal_keys.c.erased_at.is_(None))
                        .values(key=None, erased_at=time.time()))
    return done.rowcount == 1


def _lock(subject: str) -> int:
    # Sealing and erasing one person's data take turns: an event sealed while the erasure
    # commits would otherwise project live what the erasure has just scrubbed.
    return lock_key(f"personal:{subject}")


def is_erased(conn: Connection, subject: str) -> bool:
    return conn.execute(select(personal_keys.c.erased_at).where(
        personal_keys.c.subject_id == subject, personal_keys.c.erased_at.is_not(None))).first() is not None


def refuse_erased(conn: Connection, subject: str) -> None:
    """A command that would record something new about an erased person is refused (409)."""
    if is_erased(conn, subject):
        raise Conflict(f"{subject} is erased: nothing new is recorded about them",
                       {"member_id": ["erased"]})
