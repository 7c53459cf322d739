"""The image's entrypoint: a setting missing or malformed stops the process at once with one
log line naming it (exit 78), a migration runs and exits, a service starts and stops."""
import json
import os
import signal
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, inspect

from shared.config import ROOT
from shared.testing import poll_until

SECRET = "s" * 32
BROKER = "amqp://guest:guest@127.0.0.1:5672/"


def environment(tmp_path, **settings) -> dict:
    """A pod's environment: nothing but what the manifest gives."""
    return {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "VAR_DIR": str(tmp_path / "var"),
            "PYTHONWARNINGS": "ignore", **settings}


def entrypoint(tmp_path, *args, **settings) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "shared.entrypoint", *args], cwd=ROOT,
                          env=environment(tmp_path, **settings), capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("args, settings, named", [
    (("serve", "booking"), {"AMQP_URI": BROKER}, "missing setting BOOKING_DATABASE_URL"),
    (("serve", "booking"), {"BOOKING_DATABASE_URL": "sqlite:///x.db"}, "missing setting AMQP_URI"),
    (("serve", "orders"), {"AMQP_URI": "http://broker", "ORDERS_DATABASE_URL": "sqlite:///x.db"},
     "setting AMQP_URI is not an amqp:// or amqps:// URL"),
    (("serve", "gateway"), {"AMQP_URI": BROKER}, "missing setting AUTH_SECRET"),
    (("serve", "booking"), {"AMQP_URI": BROKER, "BOOKING_DATABASE_URL": "sqlite:///x.db",
                            "QUEUE_TYPE": "quorom"},
     "setting QUEUE_TYPE is 'quorom': one of classic, quorum is expected"),
    (("serve", "identity"), {"AMQP_URI": BROKER, "IDENTITY_DATABASE_URL": "sqlite:///x.db",
                             "AUTH_SECRET": "short"}, "setting too short: AUTH_SECRET"),
    (("serve", "gateway"), {"AMQP_URI": BROKER, "AUTH_SECRET": "s" * 32, "AUTH_SECRET_PREVIOUS": "old"},
     "every secret in AUTH_SECRET_PREVIOUS must have at least 32 characters"),
    (("serve", "members"), {"AMQP_URI": BROKER, "MEMBERS_DATABASE_URL": "mysql://db/members"},
     "setting MEMBERS_DATABASE_URL names 'mysql'"),
    (("serve", "finance"), {"AMQP_URI": BROKER, "FINANCE_DATABASE_URL": "not a url"},
     "setting FINANCE_DATABASE_URL is not a database URL"),
    (("migrate", "inventory"), {"RPC_TIMEOUT": "five"},
     "setting RPC_TIMEOUT is 'five': a number is expected"),
    (("migrate", "inventory"), {}, "missing setting INVENTORY_DATABASE_URL"),
    (("migrate", "gateway"), {}, "the gateway has no database to migrate"),
    (("serve", "payroll"), {}, "usage: python -m shared.entrypoint"),
])
def test_a_setting_missing_or_malformed_stops_the_process_with_one_line_naming_it(
        tmp_path, args, settings, named):
    done = entrypoint(tmp_path, *args, **settings)
    assert done.returncode == 78 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    line = json.loads(lines[0])
    assert line["level"] == "error" and line["message"].startswith(named), line


def test_migrate_brings_one_services_schema_up_and_exits(tmp_path):
    url = f"sqlite:///{tmp_path / 'inventory.db'}"
    done = entrypoint(tmp_path, "migrate", "inventory", INVENTORY_DATABASE_URL=url)
    assert done.returncode == 0, done.stderr
    assert {"events", "stock_levels", "stocktakes"} <= set(inspect(create_engine(url)).get_table_names())
    again = entrypoint(tmp_path, "migrate", "inventory", INVENTORY_DATABASE_URL=url)
    assert again.returncode == 0, again.stderr  # idempotent: the Job may run on every rollout


def test_serve_runs_the_service_as_the_process_itself_and_sigterm_stops_it(tmp_path):
    env = environment(tmp_path, AMQP_URI="amqp://guest:guest@127.0.0.1:1/", LOG_LEVEL="INFO",
                      BOOKING_DATABASE_URL=f"sqlite:///{tmp_path / 'booking.db'}", BOOKING_METRICS_PORT="0")
    proc = subprocess.Popen([sys.executable, "-m", "shared.entrypoint", "serve", "booking"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        lines = iter(proc.stdout.readline, b"")
        poll_until(lambda: b"a stop signal is heard" in next(lines, b"") or proc.poll() is not None,
                   timeout=30, what="the service starting")
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)  # the same pid: exec, not a child
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
