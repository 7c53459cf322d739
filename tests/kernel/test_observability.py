"""Metrics move with the work; JSON log lines carry the caller's correlation id into event handlers."""
import json
import logging

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_hook

from shared.errors import InvalidInput
from shared.eventstore import EventStore
from shared.logs import JsonFormatter
from shared.testing import metric, poll_until
from tests.kernel import toy


class JsonLines(logging.Handler):
    """Keeps every record as the JSON line a service would write."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.setFormatter(JsonFormatter("test"))
        self.lines: list[dict] = []

    def emit(self, record):
        self.lines.append(json.loads(self.format(record)))

    def find(self, message, **fields):
        return [line for line in self.lines if line["message"] == message
                and all(line.get(key) == value for key, value in fields.items())]


@pytest.fixture
def log_lines():
    root, handler = logging.getLogger(), JsonLines()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def test_entrypoint_calls_latency_errors_and_events_appended_and_published_are_counted(
        bank_db, kernel_config, start_service):
    def sample(name, **labels):
        return metric(name, **{"service": "toybank", **labels})

    calls = {outcome: sample("salon_entrypoint_calls_total", entrypoint="deposit", outcome=outcome)
             for outcome in ("ok", "InvalidInput")}
    latency = sample("salon_entrypoint_latency_seconds_count", entrypoint="deposit")
    appended = sample("salon_events_appended_total", type="Deposited")
    published = sample("salon_events_published_total")
    bank = start_service(toy.ToyBank, kernel_config(DATABASE_URL=bank_db))

    with entrypoint_hook(bank, "deposit") as deposit:
        deposit("alice", 10)
        with pytest.raises(InvalidInput):
            deposit("alice", -10)

    assert sample("salon_entrypoint_calls_total", entrypoint="deposit", outcome="ok") == calls["ok"] + 1
    assert sample("salon_entrypoint_calls_total", entrypoint="deposit",
                  outcome="InvalidInput") == calls["InvalidInput"] + 1
    assert sample("salon_entrypoint_latency_seconds_count", entrypoint="deposit") == latency + 2
    assert sample("salon_events_appended_total", type="Deposited") == appended + 1
    poll_until(lambda: sample("salon_events_published_total") == published + 1, what="publish counted")


def test_correlation_id_travels_from_the_rpc_caller_through_the_event_into_the_handler_log_lines(
        bank_db, audit_db, kernel_config, start_service, open_db, log_lines):
    start_service(toy.ToyAudit, kernel_config(DATABASE_URL=audit_db))
    start_service(toy.ToyBank, kernel_config(DATABASE_URL=bank_db))

    with ServiceRpcProxy("toybank", kernel_config(), context_data={"correlation_id": "corr-42"}) as bank:
        bank.deposit("alice", 25)

    with open_db(bank_db).read() as conn:
        [deposited] = EventStore("toybank").read_stream(conn, "account-alice")
    assert deposited.correlationid == "corr-42"
    [recorded] = log_lines.find("deposit recorded", account="alice")
    assert (recorded["service"], recorded["correlation_id"]) == ("test", "corr-42")

    [audited] = poll_until(lambda: log_lines.find("deposit audited", deposit_id=deposited.id),
                           what="audit handler log line")
    assert audited["correlation_id"] == "corr-42"
    assert audited["logger"] == "tests.kernel.toy"
    # The handler logs inside its unit of work, so the line can come before the commit.
    audits = open_db(audit_db)

    def audit_stream():
        with audits.read() as conn:
            return EventStore("toyaudit").read_stream(conn, f"audit-{deposited.id}")
    [audit_event] = poll_until(audit_stream, what="audit event committed")
    assert (audit_event.correlationid, audit_event.causationid) == ("corr-42", deposited.id)
