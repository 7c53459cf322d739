"""Members suite fixtures: a migrated members database, the service running on the real
broker, taps on its event exchange, and identity's sign-ups published as identity would."""
import uuid

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from services.members.app import APP
from services.members.service import MembersService
from shared.db import Database
from shared.envelope import Envelope
from shared.migrate import upgrade
from shared.testing import publish_raw, service_config, start_service


@pytest.fixture
def members_db(db_url):
    """The members database (SQLite file or PostgreSQL database), migrated as `manage migrate` does."""
    upgrade(APP, db_url)
    return db_url


@pytest.fixture
def desk_for(members_db):
    """``desk_for(Cls)``: a members command desk (tests' own class over one engine) on the
    migrated database, disposed after the test."""
    made = []

    def make(cls):
        made.append(cls(members_db))
        return made[-1]

    yield make
    for desk in made:
        desk.db.dispose()


@pytest.fixture
def members_config(amqp_uri, members_db):
    return service_config("members", amqp_uri, members_db, HANDLER_BACKOFF="0.01")


@pytest.fixture
def members(members_config, runner_factory):
    """The running members container (killed by nameko's runner_factory after the test)."""
    return start_service(runner_factory, members_config, MembersService)


@pytest.fixture
def members_rpc(members_config, members):
    """A caller on the broker, as the gateway is: errors arrive as their registered types."""
    with ServiceRpcProxy("members", members_config) as proxy:
        yield proxy


@pytest.fixture
def members_db_handle(members_db):
    db = Database(members_db)
    yield db
    db.dispose()


@pytest.fixture
def published_members(tap, members):
    """Everything the members service publishes from here on."""
    return tap(exchange="members.events")


def sign_up(member_id=None, **overrides) -> dict:
    """MemberSignedUp data as identity records it."""
    member_id = member_id or str(uuid.uuid4())
    return {"member_id": member_id, "account_id": f"acct-{member_id[:8]}", "name": "Camille Martin",
            "email": "camille@example.com", "phone": None,
            "consents": {"terms": True, "marketing_email": True, "marketing_sms": False},
            "signed_up_at": "2026-11-23T10:00:00.000000Z", **overrides}


def signed_up_envelope(data: dict, correlation_id: str | None = None) -> Envelope:
    return Envelope.new(source="identity", type="MemberSignedUp", subject=f"account-{data['account_id']}",
                        streamversion=1, schemaversion=1, data=data,
                        correlationid=correlation_id or str(uuid.uuid4()))


@pytest.fixture
def publish_sign_up(amqp_uri, members):
    """``publish_sign_up(envelope)``: put the exact envelope on identity's event exchange
    (after the service is up, so its queue is bound and nothing is lost)."""
    def publish(envelope: Envelope) -> None:
        publish_raw(amqp_uri, "identity.events", envelope.type, envelope.to_json())
    return publish
