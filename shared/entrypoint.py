"""The image's one entrypoint: ``python -m shared.entrypoint ROLE [SERVICE]``.

  serve SERVICE     run one service (booking, orders, members, inventory, finance, identity,
                    gateway) until SIGTERM
  migrate SERVICE   bring one service's schema up to date, then exit (the migration Job)
  launcher          the whole system in one container on its embedded defaults (a demo)

Before a service or a migration starts, the settings it needs are checked. Deployed, nothing
may fall back to a local default (a service on a SQLite file inside its pod loses its data at
the next restart), so a setting missing or malformed ends the process at once with one JSON
log line naming it and exit code 78 (EX_CONFIG): never a stack trace, never a service that
starts half-configured and fails later. ``make run`` does not come through here: the
launcher's defaults are the point of a laptop.
"""

import logging
import os
import sys

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from shared import logs
from shared.config import AMQP_URI, AUTH_SECRET, SERVICES, SETTINGS, queue_type_arguments
from shared.tokens import MIN_SECRET, MissingSecret, TokenSettings

EX_CONFIG = 78
SERVED = (*SERVICES, "gateway")
USAGE = ("usage: python -m shared.entrypoint {serve|migrate} SERVICE | launcher; SERVICE: "
         + ", ".join(SERVED))


class Misconfigured(Exception):
    """A setting the role needs is missing or cannot be read; the message names it."""


def _required(name: str, meaning: str) -> str:
    value = os.environ.get(name, "")
    if not value.strip():
        raise Misconfigured(f"missing setting {name}: {meaning}")
    return value


def _database(service: str) -> None:
    name = f"{service.upper()}_DATABASE_URL"
    value = _required(name, f"the database of {service} (postgresql://user@host:5432/{service})")
    try:
        backend = make_url(value).get_backend_name()
    except ArgumentError:
        raise Misconfigured(f"setting {name} is not a database URL") from None
    if backend not in ("postgresql", "sqlite"):
        raise Misconfigured(f"setting {name} names {backend!r}: use postgresql (or sqlite)")


def _numbers() -> None:
    """Every numeric setting that is set reads as a number (its default says it is one)."""
    for setting in SETTINGS:
        value = os.environ.get(setting.name)
        if value is None or not _is_number(setting.default):
            continue
        if not _is_number(value):
            raise Misconfigured(f"setting {setting.name} is {value!r}: a number is expected "
                                f"({setting.meaning})")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def check(role: str, service: str | None) -> None:
    """Raise ``Misconfigured`` unless the environment holds what ``role`` needs."""
    if role == "launcher":
        return
    _numbers()
    if role == "serve":
        uri = _required(AMQP_URI.name, AMQP_URI.meaning)
        if not uri.startswith(("amqp://", "amqps://")):
            raise Misconfigured(f"setting {AMQP_URI.name} is not an amqp:// or amqps:// URL")
        try:
            queue_type_arguments()
        except ValueError as problem:
            raise Misconfigured(str(problem)) from None
        if service in ("gateway", "identity") and len(AUTH_SECRET.get()) < MIN_SECRET:
            what = "missing setting" if not AUTH_SECRET.get() else "setting too short:"
            raise Misconfigured(f"{what} {AUTH_SECRET.name} (at least {MIN_SECRET} characters, "
                                "the same for identity and the gateway)")
        if service in ("gateway", "identity"):
            try:
                TokenSettings.from_env()
            except MissingSecret as problem:
                raise Misconfigured(str(problem)) from None
    if service != "gateway":
        _database(service)


def parse(argv: list[str]) -> tuple[str, str | None]:
    if argv[:1] == ["launcher"] and len(argv) == 1:
        return "launcher", None
    if len(argv) == 2 and argv[0] in ("serve", "migrate") and argv[1] in SERVED:
        if argv == ["migrate", "gateway"]:
            raise Misconfigured("the gateway has no database to migrate")
        return argv[0], argv[1]
    raise Misconfigured(USAGE)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    service = argv[1] if len(argv) > 1 and argv[1] in SERVED else "entrypoint"
    try:
        role, service = parse(argv)
        check(role, service)
    except Misconfigured as problem:
        logs.configure(service)
        logging.getLogger("shared.entrypoint").error(str(problem))
        return EX_CONFIG
    # exec, not a call: the service's process must apply eventlet's monkey patch before
    # anything is imported, and it becomes PID 1's successor, so SIGTERM reaches it directly
    if role == "serve":
        os.execv(sys.executable, [sys.executable, "-m", "shared.serve", service])
    if role == "migrate":
        os.execv(sys.executable, [sys.executable, "-m", "shared.manage", "migrate", service])
    os.execv(sys.executable, [sys.executable, "-m", "shared.launcher"])
    return 0  # not reached: execv replaces this process


if __name__ == "__main__":
    sys.exit(main())
