"""Run one service as its own process: ``python -m shared.serve SERVICE``.

Applies eventlet's monkey patch before anything else is imported (nameko needs it),
configures JSON logging, and runs the service's nameko class until SIGTERM or SIGINT.
A stop signal ends the process within seconds at any moment: a clean stop (bounded by
STOP_TIMEOUT, then a kill) once the service has started, a kill at once while it is still
starting (waiting for the broker, say), when nameko could not stop it cleanly anyway.
A container that dies ends the process with a non-zero code, for the supervisor (``make
run``, Kubernetes) to restart it.
"""
import eventlet

eventlet.monkey_patch()

import errno  # noqa: E402
import gc  # noqa: E402
import importlib  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402

from eventlet.event import Event  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402

from shared import logs  # noqa: E402
from shared.config import GATEWAY_PORT, LOG_LEVEL, nameko_config  # noqa: E402

log = logging.getLogger("shared.serve")
STOP_TIMEOUT = 8.0  # seconds a clean stop may take before the service is killed
KILL_TIMEOUT = 2.0


def main(service: str) -> int:
    logs.configure(service, LOG_LEVEL.get())
    module = importlib.import_module(f"services.{service}.service")
    config = nameko_config(service)
    if service == "gateway":
        config["WEB_SERVER_ADDRESS"] = f"0.0.0.0:{GATEWAY_PORT.get()}"
    runner = ServiceRunner(config)
    runner.add_service(module.SERVICE)
    done = Event()
    started = Event()

    def finish(reason: str) -> None:
        if not done.ready():
            done.send(reason)

    def on_signal(signum, frame):
        # Signal handlers run between bytecodes of the main greenlet: hand over to the hub.
        eventlet.spawn_n(finish, signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    log.info("starting: a stop signal is heard from now on")

    def run() -> None:
        try:
            runner.start()
            # Everything built while starting (modules, schemas, compiled statements) lives
            # as long as the process: out of the collector's sight, a full collection under
            # load pauses every request for milliseconds instead of tens of them.
            gc.freeze()
            started.send()
            runner.wait()  # returns when stopped; raises if a container died
            finish("stopped")
        except Exception as exc:
            log.exception("service died")
            finish(f"died: {exc!r}")

    eventlet.spawn(run)
    while True:
        try:
            reason = done.wait()
            break
        except OSError as exc:  # a signal interrupting the hub's wait
            if exc.errno != errno.EINTR:
                raise
    if reason.startswith("died"):
        return kill(runner, 1)
    if not started.ready():
        log.info("stopping while starting: killing", extra=logs.fields(reason=reason))
        return kill(runner, 0)
    log.info("stopping", extra=logs.fields(reason=reason))
    try:
        with eventlet.Timeout(STOP_TIMEOUT):
            runner.stop()
    except eventlet.Timeout:
        log.warning("clean stop took too long; killing", extra=logs.fields(seconds=STOP_TIMEOUT))
        return kill(runner, 0)
    return 0


def kill(runner: ServiceRunner, code: int) -> int:
    """Kill the containers; if even that hangs (nameko waits on extensions that are still
    starting), leave at once: nothing a starting or dying service holds needs a goodbye
    (uncommitted work rolls back, unacked messages go back to their queues)."""
    try:
        with eventlet.Timeout(KILL_TIMEOUT):
            runner.kill()
    except eventlet.Timeout:
        log.warning("kill hangs; exiting now", extra=logs.fields(seconds=KILL_TIMEOUT))
        logging.shutdown()
        os._exit(code)
    return code


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m shared.serve SERVICE")
    sys.exit(main(sys.argv[1]))
