"""The audit trail: one AuditRecorded event per record, and the paged, filtered audit log."""
import base64
import binascii
import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import and_, func, or_, select

from shared.contracts import ContractError
from shared.envelope import utc_iso
from shared.errors import InvalidInput
from shared.text import storable, text_problems

from .contracts import AuditRecorded
from .projections import AUDIT_FIELDS
from .tables import audit_log

MAX_LIMIT = 200
STATUSES = (100, 599)  # an HTTP status; also keeps the integer column from overflowing
# The longest text each audit_log column keeps (PostgreSQL refuses longer; SQLite would not).
SIZES = {column.name: column.type.length for column in audit_log.columns
         if getattr(column.type, "length", None)}


def instant(value, field: str) -> str:
    """An ISO 8601 instant in the one stored format (UTC, microseconds, Z), which sorts as text."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        # Converting to UTC can leave datetime's range (0001-01-01T00:00:00+14:00).
        return utc_iso(moment)
    except (AttributeError, TypeError, ValueError, OverflowError):
        raise InvalidInput(f"{field} is not an ISO 8601 date-time",
                           {field: ["Not a valid datetime."]}) from None


def entry(operation: str, outcome: str, status: int, username=None, actor_id=None, role=None,
          store_id=None, target_id=None, client_address=None, correlation_id=None) -> dict:
    """A record the service makes itself; every text is made storable (see ``storable``)."""
    data = {"actor_id": actor_id, "username": username, "role": role, "store_id": store_id,
            "operation": operation, "target_id": target_id, "client_address": client_address,
            "correlation_id": correlation_id}
    return {"audit_id": str(uuid.uuid4()), "at": utc_iso(datetime.now(UTC)),
            **{name: storable(value, SIZES[name]) for name, value in data.items()},
            "outcome": outcome, "status": status}


def checked(raw) -> dict:
    """An entry the gateway asked to record (its audit_id kept), validated and with ``at`` in
    the stored format; InvalidInput if it is not one."""
    try:
        # Unknown fields are refused too; status comes back an int, not "201".
        data = AuditRecorded.validate(raw)
    except ContractError as exc:
        details = exc.__cause__.messages if exc.__cause__ is not None else {}
        raise InvalidInput("the audit entry is not valid", details) from None
    data["at"] = instant(data["at"], "at")
    # Valid as an event, but it must also fit the audit_log columns it projects into.
    problems = {name: found for name, value in data.items()
                if isinstance(value, str) and (found := text_problems(value, SIZES[name]))}
    if not STATUSES[0] <= data["status"] <= STATUSES[1]:
        problems["status"] = [f"Must be greater than or equal to {STATUSES[0]} and less than or "
                              f"equal to {STATUSES[1]}."]
    if problems:
        raise InvalidInput("the audit entry is not valid", problems)
    return data


def record(uow, data: dict) -> str:
    uow.record(f"audit-{data['audit_id']}", 0, AuditRecorded, data, store_id=data.get("store_id"))
    return data["audit_id"]


def _encode_cursor(at: str, audit_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([at, audit_id]).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        at, audit_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(audit_id, str) or instant(at, "cursor") != at:
            raise ValueError(cursor)
    except (ValueError, TypeError, RecursionError, binascii.Error, InvalidInput):
        raise InvalidInput("cursor is not valid",
                           {"cursor": ["pass back the next_cursor of the previous page"]}) from None
    return at, audit_id


def query(conn, store_id=None, actor_id=None, username=None, operation=None, since=None, until=None,
          limit=50, cursor=None) -> dict:
    """Newest first; keyset pages on (at, audit_id), so records added meanwhile shift nothing."""
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be 1 to {MAX_LIMIT}", {"limit": [f"1 to {MAX_LIMIT}"]})
    where = [audit_log.c[name] == value for name, value in (
        ("store_id", store_id), ("actor_id", actor_id), ("username", username),
        ("operation", operation)) if value is not None]
    if since is not None:
        where.append(audit_log.c.at >= instant(since, "since"))
    if until is not None:
        where.append(audit_log.c.at < instant(until, "until"))
    total = conn.execute(select(func.count()).select_from(audit_log).where(*where)).scalar()
    if cursor is not None:
        at, audit_id = _decode_cursor(cursor)
        where.append(or_(audit_log.c.at < at, and_(audit_log.c.at == at, audit_log.c.audit_id < audit_id)))
    rows = conn.execute(select(audit_log).where(*where)
                        .order_by(audit_log.c.at.desc(), audit_log.c.audit_id.desc())
                        .limit(limit + 1)).all()
    items = [{name: getattr(row, name) for name in AUDIT_FIELDS} for row in rows[:limit]]
    more = len(rows) > limit
    return {"items": items, "total": total,
            "next_cursor": _encode_cursor(items[-1]["at"], items[-1]["audit_id"]) if more else None}
