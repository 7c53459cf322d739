"""Kernel benchmarks: ``python -m bench [--quick]`` runs them all and prints the table.

Each benchmark is a module of its own, run in its own interpreter (see __main__.py):
relay (outbox relay vs raw pika), append (event store append rates), rebuild
(projection rebuild vs raw sqlite3) and latency (commit -> consumer-handled latency).
"""
