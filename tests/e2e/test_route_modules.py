"""The gateway's route modules are mixins of one class: a helper two of them define alike
would silently be the first one's in both."""

import inspect

from services.gateway.service import GatewayService


def test_no_two_route_modules_define_the_same_name():
    owners: dict[str, list[str]] = {}
    for mixin in GatewayService.__mro__[1:]:
        if mixin.__module__.startswith("services.gateway.routes."):
            for name, _ in inspect.getmembers(mixin, inspect.isfunction):
                if name in vars(mixin):
                    owners.setdefault(name, []).append(mixin.__name__)
    assert {name: where for name, where in owners.items() if len(where) > 1} == {}
