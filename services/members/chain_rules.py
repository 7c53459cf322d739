"""HQ's rules of one part of the programme (points, stored value, tiers), kept alike: a row
per scope ("chain") holding the rules as JSON, written by the projection of their
``*RulesChanged`` event and read back by the commands that follow them."""

import json

from sqlalchemy import Table, select

from shared.projections import Upsert

CHAIN = "chain"


def read(conn, table: Table) -> dict | None:
    """The chain's rules in ``table``; None until HQ first sets them (the defaults apply)."""
    row = conn.execute(select(table.c.rules).where(table.c.scope == CHAIN)).first()
    return None if row is None else json.loads(row.rules)


def upsert(table: Table, event, fields: tuple[str, ...]) -> Upsert:
    """The row a ``*RulesChanged`` event leaves: its ``fields``, as the rules now stand."""
    rules = {k: event.data[k] for k in fields}
    return Upsert(
        table, {"scope": CHAIN, "rules": json.dumps(rules, sort_keys=True), "version": event.streamversion}
    )
