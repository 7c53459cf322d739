"""Booking rules, free of any framework: stores, staff, resources, the catalogue, the
availability engine, cancellation policies and a booking's lifecycle, one module each."""
