"""Operator commands for any service: ``python -m shared.manage COMMAND SERVICE [...]``.

  migrate SERVICE|all          bring the schema up to date (kernel + service migrations)
  seed SERVICE|all             record the service's demo/reference data (idempotent)
  rebuild SERVICE PROJECTION   drop a read model and replay it from the event store (PROJECTION
                               ``all``: every read model of the service)
  checksum SERVICE PROJECTION  digest of a read model (compare live with rebuilt; or ``all``)
  publish SERVICE              publish every pending event now, then exit
  parked SERVICE [STREAM]      parked streams and dead letters; with STREAM, its held events
                               in full (headers, body, error, trace), as JSON
  requeue SERVICE STREAM       retry a parked stream now, in order (after fixing the cause)
  discard SERVICE SEQ          delete a dead letter that belongs to no stream
  timers SERVICE [KEY]         timers by kind (pending, due, dead), every dead timer and the
                               next ones due; with KEY, one timer in full (payload, error), as JSON
  retry-timer SERVICE KEY      fire a dead timer again now, its tries counted afresh (after
                               fixing the cause); the running service fires it
  cancel-timer SERVICE KEY     delete a timer that must never fire (one that cannot succeed)
  replay SOURCE CONSUMER       publish SOURCE's stored events again to CONSUMER only, the types
                               it handles, in order (after CONSUMER's database was restored from
                               a backup): all, or --since ISO-8601-UTC, or --from-position N on
  schemas DIR                  write the JSON Schema of every published event type to DIR
  settings                     print the configuration table
"""
import argparse
import importlib
import importlib.util
import json
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from shared.app import ServiceApp
from shared.config import SERVICES, SETTINGS, database_url
from shared.contracts import all_contracts, json_schema
from shared.db import Database
from shared.eventstore import EventStore
from shared.projections import checksum, rebuild


def load_app(service: str) -> ServiceApp:
    if service not in SERVICES:
        print(f"unknown service {service!r}; known: {', '.join(SERVICES)}", file=sys.stderr)
        raise SystemExit(2)
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
    parked = sub.add_parser("parked")
    parked.add_argument("service")
    parked.add_argument("stream", nargs="?")
    requeue = sub.add_parser("requeue")
    requeue.add_argument("service")
    requeue.add_argument("stream")
    discard = sub.add_parser("discard")
    discard.add_argument("service")
    discard.add_argument("seq", type=int)
    timers_cmd = sub.add_parser("timers")
    timers_cmd.add_argument("service")
    timers_cmd.add_argument("key", nargs="?")
    for name in ("retry-timer", "cancel-timer"):
        cmd = sub.add_parser(name)
        cmd.add_argument("service")
        cmd.add_argument("key")
    replay_cmd = sub.add_parser("replay")
    replay_cmd.add_argument("source")
    replay_cmd.add_argument("consumer")
    start = replay_cmd.add_mutually_exclusive_group()
    start.add_argument("--since", help="ISO 8601 timestamp, UTC unless it has an offset")
    start.add_argument("--from-position", type=int, help="global position of the first event")
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

    if args.command == "replay":
        return _replay_command(args)
    if args.command in ("parked", "requeue", "discard", "timers", "retry-timer", "cancel-timer"):
        db = Database(database_url(args.service))
        try:
            return (_parked_command if args.command in ("parked", "requeue", "discard")
                    else _timers_command)(args, db)
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            print(f"{args.service}: cannot read its database ({type(exc).__name__}: {reason}); "
                  f"is it reachable, and has `manage migrate {args.service}` run?", file=sys.stderr)
            return 2
        finally:
            db.dispose()
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
        chosen = app.projections if args.projection == "all" else [app.projection(args.projection)]
        for projection in chosen:
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


def _replay_command(args) -> int:
    import warnings

    with warnings.catch_warnings():  # eventlet's deprecation notice on import: the answer is one line
        warnings.simplefilter("ignore")
        from shared import replay
    from shared.config import AMQP_URI
    from shared.delivery import exchange_name

    route = f"{args.source} -> {args.consumer}"
    try:
        done = replay.run(args.source, args.consumer, args.since, args.from_position,
                          database_url(args.source) if args.source in SERVICES else "", AMQP_URI.get())
    except replay.Refused as exc:
        print(f"{route}: {exc}", file=sys.stderr)
        return 2
    except replay.Interrupted as exc:
        last = exc.done.last_position
        again = f"run again with --from-position {last + 1}" if last else "run it again"
        print(f"{route}: stopped after {exc.done.count} events, last position {last or 'none'}: "
              f"{exc}; {again}", file=sys.stderr)
        return 1
    print(f"{route}: replayed {done.count} events to {exchange_name(args.consumer, args.source)}, "
          f"last position {done.last_position or 'none'}")
    return 0


def _parked_command(args, db: Database) -> int:
    from shared import parking

    if args.command == "requeue":
        with db.write() as conn:
            found = parking.requeue(conn, args.service, args.stream)
        print(f"{args.service}: {args.stream} requeued; the running service retries it now"
              if found else f"{args.service}: {args.stream} is not parked",
              file=sys.stdout if found else sys.stderr)
        return 0 if found else 2
    if args.command == "discard":
        with db.write() as conn:
            found = parking.discard(conn, args.service, args.seq)
        print(f"{args.service}: dead letter {args.seq} discarded" if found
              else f"{args.service}: no dead letter {args.seq} without a stream",
              file=sys.stdout if found else sys.stderr)
        return 0 if found else 2
    with db.read() as conn:
        if args.stream:
            found = parking.detail(conn, args.service, args.stream)
            if found is None:
                print(f"{args.service}: {args.stream} is not parked", file=sys.stderr)
                return 2
            print(json.dumps(found, indent=2, default=str))
            return 0
        found = parking.overview(conn, args.service)
    print(f"{args.service}: {len(found['streams'])} parked stream(s), "
          f"{len(found['dead_letters'])} dead letter(s) without a stream")
    for stream in found["streams"]:
        print(f"  {stream['stream_id']:40} {stream['state']:8} tries {stream['attempts']}  "
              f"held {stream['held']}  {stream['error'][:100]}")
    for letter in found["dead_letters"]:
        print(f"  dead letter {letter['seq']:<6} {letter['error_type']}: {(letter['error'] or '')[:100]}")
    return 0


def _timers_command(args, db: Database) -> int:
    import time

    from shared import timers

    if args.command != "timers":
        with db.write() as conn:
            if args.command == "retry-timer":
                done = timers.retry(conn, args.key, time.time())
                outcome = "fires again now (the running service fires it)" if done else "is not a dead timer"
            else:
                done = timers.cancel(conn, args.key)
                outcome = "cancelled" if done else "is not a timer"
        print(f"{args.service}: timer {args.key} {outcome}", file=sys.stdout if done else sys.stderr)
        return 0 if done else 2
    with db.read() as conn:
        if args.key:
            found = timers.detail(conn, args.key)
            if found is None:
                print(f"{args.service}: {args.key} is not a timer", file=sys.stderr)
                return 2
            print(json.dumps(found, indent=2, default=str))
            return 0
        found = timers.overview(conn, time.time())
    print(f"{args.service}: {sum(k['pending'] for k in found['kinds'].values())} pending timer(s), "
          f"{len(found['dead'])} dead")
    for kind, counted in found["kinds"].items():
        print(f"  {kind:30} pending {counted['pending']}  due {counted['due']}  dead {counted['dead']}")
    for timer in found["dead"]:
        error = (timer["last_error"] or "").split("\n", 1)[0]
        print(f"  dead  {timer['key']:50} tries {timer['attempts']}  due {timer['due_at']}  {error[:100]}")
    for timer in found["upcoming"]:
        tries = f"  tries {timer['attempts']}" if timer["attempts"] else ""
        print(f"  next  {timer['key']:50} {timer['kind']:20} at {timer['next_attempt_at']}{tries}")
    return 0

if __name__ == "__main__":
    sys.exit(main())
