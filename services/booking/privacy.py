"""A member erased: booking destroys its key of them, so the name their bookings were made under
can never be read again (in any rebuild either), and forgets that name in its read model now.

The bookings read model keeps each booking's facts as JSON, so the name is taken out of each
row's facts here rather than by a projection's column change."""
import json

from sqlalchemy import select, update

from shared.personal import erase

from .projections import as_json
from .tables import bookings


def forget(uow, member_id: str) -> None:
    erase(uow.conn, member_id)
    rows = uow.conn.execute(select(bookings.c.booking_id, bookings.c.facts)
                            .where(bookings.c.customer_id == member_id)).all()
    for row in rows:
        facts = json.loads(row.facts)
        if facts.get("customer_name") is not None:
            uow.conn.execute(update(bookings).where(bookings.c.booking_id == row.booking_id)
                             .values(facts=as_json({**facts, "customer_name": None})))
