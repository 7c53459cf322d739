"""Events the gateway publishes: requests to record an entry in the audit trail.

The gateway keeps no data; identity owns the trail and turns each request into its own
``AuditRecorded``. Publishing (with a broker confirm) instead of calling identity means an
audit entry survives identity being down or slow: it waits in identity's queue.
"""
from services.identity.contracts import AuditRecordedSchema
from shared.contracts import declare

AuditRequested = declare("gateway", "AuditRequested", AuditRecordedSchema)
