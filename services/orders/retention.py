"""What orders keeps only for a while: idempotency keys (a retry after that is a new
request), the provider callback ids it has seen (a replay that old fails the signature's
time window anyway) and the provider's own references of card payments."""
from datetime import datetime

from shared.db import idempotency_keys
from shared.envelope import utc_iso

from .tables import provider_callbacks, provider_references


def purge(conn, cutoff: datetime) -> dict:
    """Delete what is older than ``cutoff``; returns how many rows of each went."""
    before = utc_iso(cutoff)
    done = {}
    kept = (("idempotency_keys", idempotency_keys.c.created_at),
            ("callbacks", provider_callbacks.c.received_at),
            ("provider_references", provider_references.c.recorded_at))
    for name, column in kept:
        done[name] = conn.execute(column.table.delete().where(column < before)).rowcount
    return done
