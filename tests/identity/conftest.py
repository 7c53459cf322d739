"""Identity suite fixtures: a migrated identity database, the service on the real broker,
callers as the gateway is one (over RPC, and publishing its audit requests as events), and
direct access to the database for what RPC never shows."""
import uuid
from datetime import UTC, datetime

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from services.identity.app import APP
from services.identity.service import IdentityService
from shared import parking
from shared.db import Database
from shared.envelope import Envelope, utc_iso
from shared.eventstore import EventStore
from shared.migrate import upgrade
from shared.testing import poll_until, publish_raw, service_config, start_service
from shared.tokens import TokenSettings

SECRET = "test-secret-" + "x" * 40
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def auth_secret(monkeypatch):
    monkeypatch.setenv("AUTH_SECRET", SECRET)
    for name in ("LOCKOUT_ATTEMPTS", "LOCKOUT_WINDOW", "LOCKOUT_DURATION", "LOGIN_ADDRESS_ATTEMPTS",
                 "DEMO_ADMIN_PASSWORD", "REFRESH_TOKEN_TTL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def identity_db(db_url):
    """The identity database, migrated as `manage migrate identity` does."""
    upgrade(APP, db_url)
    return db_url


@pytest.fixture
def identity_config(amqp_uri, identity_db):
    return service_config("identity", amqp_uri, identity_db, HANDLER_ATTEMPTS="3", HANDLER_BACKOFF="0.01")


@pytest.fixture
def identity(identity_config, runner_factory):
    return start_service(runner_factory, identity_config, IdentityService)


@pytest.fixture
def rpc(identity_config, identity):
    """A caller on the broker, as the gateway is: errors arrive as their registered types."""
    with ServiceRpcProxy("identity", identity_config, timeout=30) as proxy:
        yield proxy


@pytest.fixture
def callers(identity_config, identity):
    """``callers(n)``: n independent RPC proxies, for calls made at the same time."""
    opened = []

    def make(count):
        for _ in range(count):
            opened.append(ServiceRpcProxy("identity", identity_config, timeout=30))
        return [proxy.start() for proxy in opened[-count:]]

    yield make
    for proxy in opened:
        proxy.stop()


@pytest.fixture
def database(identity_db):
    db = Database(identity_db)
    yield db
    db.dispose()


@pytest.fixture
def store():
    return EventStore("identity")


@pytest.fixture
def published(tap, identity):
    return tap(exchange="identity.events")


@pytest.fixture
def dead_letters(database, identity):
    """``dead_letters()``: the events identity's handlers gave up on (held in its parked
    streams), each with its stream's tries."""
    def given_up() -> list[dict]:
        with database.read() as conn:
            return [{**event, "attempts": stream["attempts"]}
                    for stream in parking.overview(conn, "identity")["streams"]
                    if stream["state"] == parking.DEAD
                    for event in parking.detail(conn, "identity", stream["stream_id"])["events"]]
    return given_up


def audit_requested(data: dict, correlation_id: str | None = None) -> Envelope:
    """An AuditRequested envelope as the gateway publishes it."""
    return Envelope.new(source="gateway", type="AuditRequested", subject=f"audit-{data['audit_id']}",
                        streamversion=1, schemaversion=1, data=data,
                        correlationid=correlation_id or str(uuid.uuid4()))


def requested(**entry) -> dict:
    """An audit request's data: the entry with the audit id and time the gateway mints."""
    return {"audit_id": str(uuid.uuid4()), "at": utc_iso(datetime.now(UTC)), **entry}


@pytest.fixture
def publish_audit(amqp_uri, identity):
    """``publish_audit(envelope)``: put the exact envelope on the gateway's event exchange
    (after identity is up, so its queue is bound and nothing is lost)."""
    def publish(envelope: Envelope) -> None:
        publish_raw(amqp_uri, "gateway.events", envelope.type, envelope.to_json())
    return publish


@pytest.fixture
def record_audit(rpc, publish_audit):
    """``record_audit(**entry)``: request the entry as the gateway does and wait until the
    audit log shows it; returns the request's data."""
    def record(**entry) -> dict:
        data = requested(**entry)
        publish_audit(audit_requested(data))
        poll_until(lambda: data["audit_id"] in {
            item["audit_id"] for item in rpc.audit_log(limit=200)["items"]},
            what=f"audit {data['audit_id']} in the log")
        return data
    return record


@pytest.fixture
def tokens():
    return TokenSettings.from_env()


def consents(terms=True) -> dict:
    return {"terms": terms, "marketing_email": False, "marketing_sms": True}


def register(rpc, username="camille", password=PASSWORD, **overrides) -> dict:
    return rpc.register_customer(**{
        "username": username, "password": password, "name": "Camille Martin",
        "email": "camille@example.com", "phone": "+33 6 12 34 56 78", "consents": consents(),
        **overrides})


def staff_account(rpc, username="amelie", password=PASSWORD, grants=None) -> dict:
    return rpc.create_account(username=username, password=password,
                              grants=grants or [{"role": "staff", "store_id": "paris-opera"}],
                              actor_id="hq-1")
