"""Run one service as its own process: ``python -m shared.serve SERVICE``.

Applies eventlet's monkey patch before anything else is imported (nameko needs it),
configures JSON logging, and runs the service's nameko class until SIGTERM/Ctrl-C.
"""
import eventlet

eventlet.monkey_patch()

import importlib  # noqa: E402
import sys  # noqa: E402

from nameko.cli.run import run  # noqa: E402

from shared import logs  # noqa: E402
from shared.config import GATEWAY_PORT, LOG_LEVEL, nameko_config  # noqa: E402


def main(service: str) -> None:
    logs.configure(service, LOG_LEVEL.get())
    module = importlib.import_module(f"services.{service}.service")
    config = nameko_config(service)
    if service == "gateway":
        config["WEB_SERVER_ADDRESS"] = f"0.0.0.0:{GATEWAY_PORT.get()}"
    run([module.SERVICE], config)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m shared.serve SERVICE")
    main(sys.argv[1])
