"""Schema evolution: several versions of one event type at once, older ones upcast on read
(live projection, replay and rebuild alike), newer ones refused until the reader is upgraded."""
import pytest
from marshmallow import Schema, fields
from sqlalchemy import Column, MetaData, String, Table

from shared.contracts import ContractError, declare, lookup
from shared.envelope import Envelope
from shared.eventstore import EventStore
from shared.projections import Projection, Upsert, checksum, on, rebuild
from shared.uow import run_unit_of_work
from tests.kernel import toy

metadata = MetaData()
closures = Table("closures", metadata, Column("account", String(50), primary_key=True),
                 Column("reason", String(100), nullable=False))


class Closures(Projection):
    """Reads AccountClosed v2: v1 events in the store are upcast to it."""
    name = "closures"
    tables = (closures,)

    @on(toy.AccountClosed)
    def closed(self, event):
        return Upsert(closures, {"account": event.data["account"], "reason": event.data["reason"]})


def closed_event(version: int, data: dict) -> Envelope:
    return Envelope.new(source="toybank", type="AccountClosed", subject="account-a",
                        streamversion=1, schemaversion=version, data=data)


def test_an_older_version_is_upcast_to_the_one_the_reader_names():
    read = toy.AccountClosed.read(closed_event(1, {"account": "a"}))
    assert (read.schemaversion, read.data) == (2, {"account": "a", "reason": "not recorded"})
    assert toy.AccountClosedV1.read(closed_event(1, {"account": "a"})).data == {"account": "a"}


def test_a_version_newer_than_the_reader_knows_is_refused():
    with pytest.raises(ContractError, match="newer than v1"):
        toy.AccountClosedV1.read(closed_event(2, {"account": "a", "reason": "moved"}))


def test_upcast_data_is_still_checked_against_the_newer_schema():
    with pytest.raises(ContractError, match="account"):
        toy.AccountClosed.read(closed_event(1, {"acount": "typo"}))


def test_a_new_version_must_say_how_to_upcast_the_one_before():
    class Bigger(Schema):
        account = fields.String(required=True)

    with pytest.raises(ContractError, match="v3 needs an upcast from v2"):
        declare("toybank", "AccountClosed", Bigger, version=3)
    assert lookup("AccountClosed", 2) is toy.AccountClosed


def test_a_history_mixing_versions_projects_live_and_rebuilds_to_the_same_read_model(db_url, open_db):
    toy.create_schema(db_url)
    db = open_db(db_url)
    metadata.create_all(db.engine)
    store = EventStore("toybank")
    projection = Closures()
    history = [(toy.AccountClosedV1, "old1", {}), (toy.AccountClosed, "new1", {"reason": "moved"}),
               (toy.AccountClosedV1, "old2", {}), (toy.AccountClosed, "new2", {"reason": "price"})]
    for contract, account, extra in history:
        run_unit_of_work(db, store, (projection,), lambda uow, c=contract, a=account, e=extra: uow.record(
            f"account-{a}", 0, c, {"account": a, **e}))
    with db.read() as conn:
        live = checksum(conn, projection)
        rows = dict(conn.execute(closures.select()).all())
        versions = sorted(e.schemaversion for a in ("old1", "new1", "old2", "new2")
                          for e in store.read_stream(conn, f"account-{a}"))

    assert versions == [1, 1, 2, 2]  # stored as written: history is never rewritten
    assert rows == {"old1": "not recorded", "new1": "moved", "old2": "not recorded", "new2": "price"}
    assert rebuild(db, store, projection) == 4
    with db.read() as conn:
        assert checksum(conn, projection) == live


def test_an_upcaster_that_cannot_read_old_data_is_a_contract_error_not_a_crash():
    class V1(Schema):
        name = fields.String(required=True)

    class V2(Schema):
        full_name = fields.String(required=True)

    declare("toybank", "ToyRenamed", V1)
    renamed = declare("toybank", "ToyRenamed", V2, version=2,
                      upcast=lambda data: {"full_name": data["name"]})
    old = Envelope.new(source="toybank", type="ToyRenamed", subject="s", streamversion=1,
                       schemaversion=1, data={"nom": "typo"})
    with pytest.raises(ContractError, match="upcasting v1 to v2 failed: KeyError"):
        renamed.read(old)
