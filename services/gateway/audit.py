"""The gateway's side of the audit trail: each state-changing request becomes an
``AuditRequested`` event, published with a broker confirm before the response goes out.

Identity records it (as ``AuditRecorded``) from its own queue, so the entry survives identity
being down or slow; the request waits only for the broker. A nameko dependency, so one
confirmed publisher serves all the replica's workers.
"""
import logging
import uuid
from datetime import UTC, datetime

from nameko.extensions import DependencyProvider

from shared import metrics
from shared.amqp import ConfirmedPublisher
from shared.config import AMQP_URI
from shared.envelope import Envelope, utc_iso
from shared.logs import fields
from shared.relay import envelope_message, exchange_for

from .contracts import AuditRequested

log = logging.getLogger(__name__)


class AuditTrail(DependencyProvider):
    def setup(self):
        self.publisher = ConfirmedPublisher(self.container.config.get("AMQP_URI") or AMQP_URI.get(),
                                            declare_exchanges=(exchange_for(AuditRequested.source),))

    def stop(self):
        self.publisher.close()

    def kill(self):
        self.publisher.close()

    def get_dependency(self, worker_ctx):
        return self

    def record(self, entry: dict, correlation_id: str) -> None:
        """Publish one entry; a failure is logged in full and counted, never served."""
        audit_id = str(uuid.uuid4())
        data = {"audit_id": audit_id, "at": utc_iso(datetime.now(UTC)), **entry}
        try:
            AuditRequested.validate(data)
            envelope = Envelope.new(source=AuditRequested.source, type=AuditRequested.name,
                                    subject=f"audit-{audit_id}", streamversion=1,
                                    schemaversion=AuditRequested.version, data=data,
                                    storeid=data.get("store_id"), correlationid=correlation_id)
            self.publisher.publish_batch([envelope_message(
                AuditRequested.source, envelope.id, envelope.type, envelope.subject,
                envelope.to_json())])
        except Exception:
            metrics.AUDIT_FAILURES.inc()
            log.exception("audit record lost", extra=fields(**data))
