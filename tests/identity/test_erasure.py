"""A member erased (members' MemberErased, on the real broker): identity destroys its key of
them, so their sign-up and username can never be read again, closes their account and ends
their sessions; a rebuild of the accounts view after it shows no username either."""
import uuid
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import select

from services.identity.app import APP
from services.identity.tables import accounts, audit_log, sessions
from shared.db import Database, events, personal_keys
from shared.envelope import Envelope, utc_iso
from shared.errors import NotFound, Unauthorized
from shared.migrate import alembic_config
from shared.projections import rebuild
from shared.testing import poll_until, publish_raw

from .conftest import PASSWORD, register


def erased(member_id: str, account_id: str) -> Envelope:
    return Envelope.new(source="members", type="MemberErased", subject=f"member-{member_id}",
                        streamversion=9, schemaversion=1, correlationid=str(uuid.uuid4()),
                        data={"member_id": member_id, "account_id": account_id,
                              "erased_at": utc_iso(datetime.now(UTC)), "by": None, "by_role": "customer"})


def test_an_erased_members_account_is_closed_and_their_username_gone_in_every_rebuild(
        rpc, amqp_uri, database, store):
    made = register(rpc, username="nadia.quenot@example.com")
    other = register(rpc, username="someone.else@example.com")
    rpc.issue_token(username="nadia.quenot@example.com", password=PASSWORD, client_address="203.0.113.77")
    with database.read() as conn:
        stored = "".join(r.envelope for r in conn.execute(select(events.c.envelope)))
    assert "nadia" not in stored and "203.0.113.77" not in stored  # sealed with their key from the start

    event = erased(made["member_id"], made["account_id"])
    publish_raw(amqp_uri, "members.events", event.type, event.to_json())
    publish_raw(amqp_uri, "members.events", event.type, event.to_json())  # delivered twice
    poll_until(lambda: rpc.get_account(made["account_id"])["disabled"], what="the account closed")

    account = rpc.get_account(made["account_id"])
    assert (account["username"], account["disabled"], account["member_id"]) == (None, True, made["member_id"])
    with pytest.raises(Unauthorized):
        rpc.issue_token(username="nadia.quenot@example.com", password=PASSWORD)
    with database.read() as conn:
        open_sessions = conn.execute(select(sessions.c.session_id).where(
            sessions.c.account_id == made["account_id"], sessions.c.revoked_at.is_(None))).all()
    assert open_sessions == []
    logged = rpc.audit_log(actor_id=made["account_id"])["items"]
    assert logged and {(x["username"], x["client_address"]) for x in logged} == {(None, None)}
    for name in ("accounts", "audit_log"):
        rebuild(database, store, APP.projection(name))
    with database.read() as conn:
        names = {r.account_id: r.username for r in conn.execute(select(accounts))}
    assert names[made["account_id"]] is None
    assert names[other["account_id"]] == "someone.else@example.com"
    logged = rpc.audit_log(actor_id=made["account_id"])["items"]
    assert {(x["username"], x["client_address"]) for x in logged} == {(None, None)}
    with pytest.raises(NotFound):
        rpc.get_account("nobody")


def test_audit_addresses_of_accounts_erased_before_they_were_sealed_are_forgotten_by_the_migration(db_url):
    config = alembic_config(APP, db_url)
    command.upgrade(config, "identity_0001")
    command.upgrade(config, "kernel_0006")
    db = Database(db_url)
    try:
        with db.write() as conn:
            for audit_id, actor in (("a-1", "acct-gone"), ("a-2", "acct-here")):
                conn.execute(audit_log.insert().values(
                    audit_id=audit_id, at="2026-11-01T09:00:00Z", actor_id=actor, username=None,
                    role="customer", store_id=None, operation="issue_token", target_id=None,
                    outcome="success", status=200, client_address="203.0.113.9", correlation_id=None))
            conn.execute(personal_keys.insert().values(subject_id="acct-gone", key=None, created_at=1.0,
                                                       erased_at=2.0))
        command.upgrade(config, "heads")
        with db.read() as conn:
            addresses = dict(conn.execute(select(audit_log.c.actor_id, audit_log.c.client_address)).all())
    finally:
        db.dispose()
    assert addresses == {"acct-gone": None, "acct-here": "203.0.113.9"}
