"""The platform's code kernel: everything two services would otherwise write twice.

Event envelope and contracts, event store, transactional outbox relay, idempotent
handlers, projections, database/config providers, RPC with timeouts, metrics, logging
and test helpers. Nothing here knows about salons: service folders hold the domain.
"""
