"""Booking's stores as the services that follow its events keep them (orders for its tills,
inventory for stock and transfers): one table shape, built in the consumer's own metadata,
and the projection that fills it from ``StoreOpened``, ``StoreUpdated``, ``StoreClosed`` and
``StoreReopened``. Fed by booking's events, so it is never among a consumer's replayable
projections."""

from sqlalchemy import Column, Integer, MetaData, String, Table

from shared.projections import Projection, Update, Upsert, on

from .stores import StoreClosed, StoreOpened, StoreReopened, StoreUpdated


def store_table(metadata: MetaData) -> Table:
    return Table(
        "stores",
        metadata,
        Column("store_id", String(64), primary_key=True),
        Column("name", String(200), nullable=False),
        Column("currency", String(3), nullable=False),
        Column("timezone", String(64), nullable=False),
        Column("status", String(10), nullable=False),
        Column("version", Integer, nullable=False),
    )


class StoreDirectory(Projection):
    name = "stores"

    def __init__(self, table: Table):
        self.tables = (table,)
        self.table = table

    @on(StoreOpened, StoreUpdated)
    def profile(self, event):
        d = event.data
        return Upsert(
            self.table,
            {
                "store_id": d["store_id"],
                "name": d["name"],
                "currency": d["currency"],
                "timezone": d["timezone"],
                "status": d["status"],
                "version": event.streamversion,
            },
        )

    @on(StoreClosed, StoreReopened)
    def status(self, event):
        return Update(
            self.table,
            {"store_id": event.data["store_id"]},
            {"status": "closed" if event.type == "StoreClosed" else "open", "version": event.streamversion},
        )
