"""Operator commands for any service: ``python -m shared.manage COMMAND SERVICE [...]``.

  migrate SERVICE|all          bring the schema up to date (kernel + service migrations)
  seed SERVICE|all             record the service's demo/reference data (idempotent)
  rebuild SERVICE PROJECTION   drop a read model and replay it from the event store
  checksum SERVICE PROJECTION  digest of a read model (compare live with rebuilt)
  publish SERVICE              publish every pending event now, then exit
  schemas DIR                  write the JSON Schema of every published event type to DIR
  settings                     print the configuration table
"""
import argparse
import importlib
import importlib.util
import json
import sys
from pathlib import Path

from shared.app import ServiceApp
from shared.config import SERVICES, SETTINGS, database_url
from shared.contracts import all_contracts, json_schema
from shared.db import Database
from shared.eventstore import EventStore
from shared.projections import checksum, rebuild


def load_app(service: str) -> ServiceApp:
    if service not in SERVICES:
        raise SystemExit(f"unknown service {service!r}; known: {', '.join(SERVICES)}")
    return importlib.import_module(f"services.{service}.app").APP


def write_schemas(directory: Path) -> list[Path]:
    """``<Type>.v<version>.schema.json`` for every declared event type: the analysts' contract."""
    for service in (*SERVICES, "gateway"):  # the gateway publishes audit requests
        if importlib.util.find_spec(f"services.{service}.contracts"):
            importlib.import_module(f"services.{service}.contracts")
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for contract in all_contracts():
        path = directory / f"{contract.name}.v{contract.version}.schema.json"
        path.write_text(json.dumps(json_schema(contract), indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written


def _targets(name: str) -> list[str]:
    return list(SERVICES) if name == "all" else [name]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="manage", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("migrate", "seed"):
        sub.add_parser(name).add_argument("service")
    for name in ("rebuild", "checksum"):
        cmd = sub.add_parser(name)
        cmd.add_argument("service")
        cmd.add_argument("projection")
    sub.add_parser("publish").add_argument("service")
    sub.add_parser("settings")
    sub.add_parser("schemas").add_argument("directory", type=Path)
    args = parser.parse_args(argv)

    if args.command == "settings":
        for setting in SETTINGS:
            print(f"{setting.name:28} {setting.default:32} {setting.meaning}")
        return 0
    if args.command == "schemas":
        for path in write_schemas(args.directory):
            print(path)
        return 0
    if args.command == "migrate":
        from shared.migrate import upgrade

        for service in _targets(args.service):
            upgrade(load_app(service), database_url(service))
            print(f"{service}: schema up to date")
        return 0
    if args.command == "seed":
        for service in _targets(args.service):
            app = load_app(service)
            if app.seed is not None:
                db = Database(database_url(service))
                print(f"{service}: {app.seed(db, EventStore(service), app.projections)}")
                db.dispose()
        return 0

    app = load_app(args.service)
    db = Database(database_url(args.service))
    store = EventStore(args.service)
    try:
        if args.command == "publish":
            from shared.config import AMQP_URI
            from shared.relay import OutboxRelay

            relay = OutboxRelay(db, store, AMQP_URI.get())
            print(f"{args.service}: published {relay.publish_pending()} events")
            relay.publisher.close()
            return 0
        projection = app.projection(args.projection)
        if args.command == "rebuild":
            print(f"{args.service}.{projection.name}: replayed {rebuild(db, store, projection)} events")
        with db.read() as conn:
            print(f"{args.service}.{projection.name}: {checksum(conn, projection)}")
        return 0
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 2
    finally:
        db.dispose()


if __name__ == "__main__":
    sys.exit(main())
