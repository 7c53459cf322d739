"""The HTTP contract of the gateway: request and response bodies as marshmallow schemas.

One module per area (``identity``, ``bookings``, ``orders``, ``members``) beside ``common``, what they all
build on. Request schemas are strict (an unknown field is a 400, never silently ignored); the
OpenAPI document is generated from these same classes.
"""
