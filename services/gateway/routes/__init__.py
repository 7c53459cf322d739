"""The gateway's endpoints, one module per area, each a mixin that ``service.GatewayService``
composes with the dependencies its handlers use (``self.identity``, ``self.booking``, ...).

Each handler holds no business rule: it scopes the request to what the caller may touch,
makes one or two RPCs, and returns the result. Roles per operation are declared on the
``@endpoint`` line, where a reviewer sees them next to the path.
"""
