"""The first HQ admin of a real deployment: ``python -m services.identity.bootstrap USERNAME``.

Reads the password from stdin (prompting without echo on a terminal), creates the account
if the name is free, and migrates nothing: run ``manage migrate identity`` first.
"""
import argparse
import getpass
import sys

from shared.config import database_url
from shared.db import Database
from shared.errors import DomainError
from shared.eventstore import EventStore

from .app import APP
from .seed import create_hq_admin


def read_password(stream=sys.stdin) -> str:
    if stream.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise SystemExit("the passwords differ")
        return first
    return stream.readline().rstrip("\r\n")


def main(argv: list[str] | None = None, stdin=sys.stdin) -> int:
    parser = argparse.ArgumentParser(prog="bootstrap", description=__doc__)
    parser.add_argument("username")
    args = parser.parse_args(argv)
    password = read_password(stdin)
    db = Database(database_url(APP.name))
    try:
        create_hq_admin(db, EventStore(APP.name), APP.projections, args.username, password)
    except DomainError as exc:
        print(f"not created: {exc.message} {exc.details}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(f"hq_admin {args.username.strip().lower()} created")
    return 0


if __name__ == "__main__":
    sys.exit(main())
