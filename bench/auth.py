"""Login timing parity and the per-request cost of authentication, through the running gateway.

The whole system is started as tests/e2e/conftest.py starts it (``shared.launcher.start_system``:
the five services and the gateway, each its own process, SQLite files in a temp VAR_DIR, a
throwaway RabbitMQ vhost, free ports, TRUSTED_PROXIES=1, rate limits and the login lockout
and address throttle set so high they never kick in), then ``manage seed all``; the bench
logs in as the demo admin and creates one hq_analyst account through POST /api/v1/accounts.
All requests are sequential, from one keep-alive HTTP session, timed in this process.

1. Login timing parity (target: unknown-user p50 / wrong-password p50 >= 0.8, i.e. an unknown
   username is not noticeably faster, so timing does not tell which usernames exist).
   POST /api/v1/auth/token for (a) the created account with a wrong password and (b) one
   username that does not exist, interleaved (pairs, the order alternating), each request
   from a client address of its own (X-Forwarded-For); every answer must be 401. Both
   usernames collect the same number of failed attempts, so the lockout's audit-log scan
   sees the same history for each. Warm-up: 5 of each, not counted. 300 of each (50 with
   --quick). Baseline: one raw argon2 verify of a wrong password (argon2-cffi in this plain
   interpreter, the parameters of services/identity/passwords.HASHER), one after each pair,
   so a reader sees how much of a login is the hash. The reverse ratio (wrong-password p50 /
   unknown-user p50) is printed too, without a target.
2. Cost of authentication per request (no target): GET /api/v1/me (token check + the
   identity.principal RPC) against GET /healthz on the same gateway (no auth, no RPC),
   alternating, 3,000 of each (500 with --quick) after 50 of each not counted; p50/p99 and
   the milliseconds authentication adds.
The system is stopped at the end, on error too.
"""
import os
import signal
import sys
import time
import uuid
import warnings
from itertools import count
from pathlib import Path

import requests

from bench.common import (
    Figure,
    cpu_times,
    machine_load,
    median,
    percentile,
    progress,
    rabbit_vhost,
    scratch_dir,
)
from bench.common import main as cli
from shared.launcher import free_port

ADMIN_PASSWORD = "bench-" + uuid.uuid4().hex
USER_PASSWORD = "correct horse battery " + uuid.uuid4().hex[:8]
WRONG_PASSWORD = "wrong horse battery staple"
HUGE = "1000000000"
_addresses = count(1)



def address() -> str:
    """A client address of its own for each request (the gateway trusts one proxy hop)."""
    n = next(_addresses)
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


def system_env(uri: str, tmp: str) -> dict:
    from shared.config import SERVICES

    env = {key: value for key, value in os.environ.items() if not key.endswith("_DATABASE_URL")}
    env.update({"AMQP_URI": uri, "VAR_DIR": tmp, "GATEWAY_PORT": str(free_port()),
                "READY_TIMEOUT": "2", "LOG_LEVEL": "INFO", "AUTH_SECRET": uuid.uuid4().hex * 2,
                "DEMO_ADMIN_PASSWORD": ADMIN_PASSWORD, "TRUSTED_PROXIES": "1",
                "RATE_LIMIT_PER_USER": HUGE, "RATE_LIMIT_PER_ADDRESS": HUGE,
                "RATE_LIMIT_PUBLIC_WRITES": HUGE,
                "LOCKOUT_ATTEMPTS": HUGE, "LOGIN_ADDRESS_ATTEMPTS": HUGE,
                "PYTHONWARNINGS": "ignore::DeprecationWarning"})
    for service in SERVICES:
        env[f"{service.upper()}_METRICS_PORT"] = str(free_port())
    return env


def raw_hasher():
    """A fresh argon2-cffi hasher with exactly the service's parameters (and a description)."""
    import argon2

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from services.identity.passwords import HASHER
    hasher = argon2.PasswordHasher(time_cost=HASHER.time_cost, memory_cost=HASHER.memory_cost,
                                   parallelism=HASHER.parallelism, hash_len=HASHER.hash_len,
                                   salt_len=HASHER.salt_len, type=HASHER.type)
    desc = (f"argon2{hasher.type.name.lower()} t={hasher.time_cost} m={hasher.memory_cost} KiB "
            f"p={hasher.parallelism}")
    return hasher, desc


class Client:
    def __init__(self, base: str):
        self.base = base
        self.session = requests.Session()
        self.session.headers["Content-Type"] = "application/json"

    def timed(self, method: str, path: str, expect: int, **kwargs) -> tuple[float, requests.Response]:
        started = time.perf_counter()
        answer = self.session.request(method, self.base + path, timeout=30, **kwargs)
        elapsed = time.perf_counter() - started
        if answer.status_code != expect:
            raise RuntimeError(f"{method} {path}: {answer.status_code} (expected {expect}): "
                               f"{answer.text[:300]}")
        return elapsed, answer

    def login(self, username: str, password: str, expect: int) -> tuple[float, requests.Response]:
        return self.timed("POST", "/api/v1/auth/token", expect, headers={"X-Forwarded-For": address()},
                          json={"username": username, "password": password})


def login_parity(client: Client, known: str, unknown: str, warmup: int, pairs: int) -> dict:
    from argon2.exceptions import VerifyMismatchError

    hasher, desc = raw_hasher()
    stored = hasher.hash(USER_PASSWORD)

    def raw_verify() -> float:
        started = time.perf_counter()
        try:
            hasher.verify(stored, WRONG_PASSWORD)
        except VerifyMismatchError:
            pass
        return time.perf_counter() - started

    for _ in range(warmup):
        client.login(known, WRONG_PASSWORD, 401)
        client.login(unknown, WRONG_PASSWORD, 401)
        raw_verify()
    wrong, missing, raw = [], [], []
    load_before = cpu_times()
    for i in range(pairs):
        kinds = ((wrong, known), (missing, unknown))
        for sink, username in kinds if i % 2 == 0 else kinds[::-1]:
            sink.append(client.login(username, WRONG_PASSWORD, 401)[0])
        raw.append(raw_verify())
    return {"wrong": wrong, "unknown": missing, "raw": raw, "hasher": desc,
            "load": machine_load(load_before, cpu_times())}


def auth_cost(client: Client, token: str, warmup: int, rounds: int) -> dict:
    headers = {"X-Forwarded-For": address(), "Authorization": f"Bearer {token}"}
    plain = {"X-Forwarded-For": headers["X-Forwarded-For"]}
    for _ in range(warmup):
        client.timed("GET", "/healthz", 200, headers=plain)
        client.timed("GET", "/api/v1/me", 200, headers=headers)
    health, me = [], []
    load_before = cpu_times()
    for i in range(rounds):
        steps = ((health, "/healthz", plain), (me, "/api/v1/me", headers))
        for sink, path, sent in steps if i % 2 == 0 else steps[::-1]:
            sink.append(client.timed("GET", path, 200, headers=sent)[0])
    return {"healthz": health, "me": me, "load": machine_load(load_before, cpu_times())}


def measure(quick: bool) -> tuple[dict, dict]:
    from shared.launcher import run_manage, start_system

    pairs, cost_rounds = (50, 500) if quick else (300, 3000)
    # SIGTERM (e.g. a timeout upstream) unwinds through the finally below: the system stops.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    with scratch_dir() as tmp, rabbit_vhost("auth") as uri:
        env = system_env(uri, tmp)
        logs = Path(tmp) / "logs"
        logs.mkdir()
        progress("auth: starting the system (migrate, 6 processes, wait until ready)")
        started = time.monotonic()
        system = start_system(env, logs=logs)
        try:
            progress(f"auth: ready in {time.monotonic() - started:.1f} s; seeding")
            run_manage(env, "seed", "all")
            client = Client(system.gateway)
            admin = client.login("admin", ADMIN_PASSWORD, 200)[1].json()["access_token"]
            known, unknown = f"bench-{uuid.uuid4().hex[:10]}", f"nobody-{uuid.uuid4().hex[:10]}"
            client.timed("POST", "/api/v1/accounts", 201,
                         headers={"Authorization": f"Bearer {admin}", "X-Forwarded-For": address()},
                         json={"username": known, "password": USER_PASSWORD,
                               "grants": [{"role": "hq_analyst", "store_id": None}]})
            token = client.login(known, USER_PASSWORD, 200)[1].json()["access_token"]
            progress(f"auth: login parity, {pairs} wrong-password + {pairs} unknown-user logins")
            logins = login_parity(client, known, unknown, 5, pairs)
            progress(f"auth: /api/v1/me vs /healthz, {cost_rounds} of each")
            cost = auth_cost(client, token, 50, cost_rounds)
            client.session.close()
        finally:
            progress("auth: stopping the system")
            system.stop_all()
    return logins, cost


def run(quick: bool) -> list[Figure]:
    logins, cost = measure(quick)
    ms = 1000.0
    wrong, unknown, raw = logins["wrong"], logins["unknown"], logins["raw"]
    w50, u50, r50 = median(wrong) * ms, median(unknown) * ms, median(raw) * ms
    w95, u95, r95 = percentile(wrong, 95) * ms, percentile(unknown, 95) * ms, percentile(raw, 95) * ms
    progress(f"auth: login p50 wrong-password {w50:.1f} ms, unknown-user {u50:.1f} ms, "
             f"raw argon2 verify {r50:.1f} ms")
    health, me = cost["healthz"], cost["me"]
    h50, m50 = median(health) * ms, median(me) * ms
    h99, m99 = percentile(health, 99) * ms, percentile(me, 99) * ms
    login_note = (f"{len(wrong)} + {len(unknown)} logins interleaved, each from its own address, all 401; "
                  f"baseline {logins['hasher']} ({len(raw)} verifies, one per pair); {logins['load']}")
    return [
        Figure("auth", "login, wrong password p50", w50, "ms", "raw argon2 verify p50", r50,
               higher_is_better=False, notes=login_note),
        Figure("auth", "login, wrong password p95", w95, "ms", "raw argon2 verify p95", r95,
               higher_is_better=False),
        Figure("auth", "login, unknown user p50", u50, "ms", "raw argon2 verify p50", r50,
               higher_is_better=False),
        Figure("auth", "login, unknown user p95", u95, "ms", "raw argon2 verify p95", r95,
               higher_is_better=False),
        Figure("auth", "login parity: unknown-user p50 vs wrong-password p50", u50, "ms",
               "wrong-password p50", w50, higher_is_better=True, target=0.8,
               notes=f"difference {u50 - w50:+.1f} ms at p50, {u95 - w95:+.1f} ms at p95 (unknown - wrong)"),
        Figure("auth", "  info: reverse, wrong-password p50 vs unknown-user p50", w50, "ms",
               "unknown-user p50", u50, higher_is_better=False),
        Figure("auth", "GET /api/v1/me p50 (token + identity.principal RPC)", m50, "ms",
               "GET /healthz p50", h50, higher_is_better=False,
               notes=(f"{len(me):,} + {len(health):,} sequential requests, alternating, one keep-alive "
                      f"session; {cost['load']}")),
        Figure("auth", "GET /api/v1/me p99", m99, "ms", "GET /healthz p99", h99, higher_is_better=False),
        Figure("auth", "  info: added by authentication p50 / p99", m50 - h50, "ms", "", None,
               higher_is_better=False, notes=f"p99: {m99 - h99:+.1f} ms"),
    ]


def main() -> None:
    cli(run, __doc__)


if __name__ == "__main__":
    main()
