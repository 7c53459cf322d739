"""``make run``: the whole system on one machine, each service its own process.

Checks the broker (and says how to get one), migrates every service's database, starts
the six domain services and the gateway (``python -m shared.serve NAME``), waits until
the gateway reports ready, seeds demo data and prints where to look. Then it supervises,
as Kubernetes would: a process that dies is restarted with backoff (1 s, doubling to 30 s,
back to 1 s once it has stayed up a minute) and a log line. Ctrl-C, SIGINT or SIGTERM
stop everything. ``start_system`` is also what the end-to-end tests use; they may ask it for
replicas of a service or of the gateway (``make run`` starts one of each).
"""
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from shared.amqp import broker_answers
from shared.config import AMQP_URI, GATEWAY_PORT, ROOT, SERVICES, database_url, metrics_port

PROCESSES = (*SERVICES, "gateway")


RESTART_FIRST = 1.0
RESTART_MAX = 30.0
STABLE_AFTER = 60.0  # seconds up after which a restarted process counts as healthy again


@dataclass
class _Restarts:
    delay: float = field(default_factory=lambda: RESTART_FIRST)
    due: float | None = None  # monotonic time of the next start, while it is down


@dataclass
class System:
    env: dict
    gateway: str
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: Path | None = None
    started_at: dict[str, float] = field(default_factory=dict)
    restarts: dict[str, _Restarts] = field(default_factory=dict)
    command: Callable[[str], list[str]] = lambda name: [sys.executable, "-m", "shared.serve", name]
    # A replica's process name ("orders-2") -> what its environment has of its own (its ports).
    overrides: dict[str, dict] = field(default_factory=dict)
    gateways: list[str] = field(default_factory=list)  # every gateway replica's URL, self.gateway first

    def env_of(self, name: str) -> dict:
        """The environment process ``name`` runs with."""
        return {**self.env, **self.overrides.get(name, {})}

    def start(self, name: str) -> None:
        out = open(self.logs / f"{name}.log", "ab") if self.logs else None
        self.procs[name] = subprocess.Popen(
            self.command(name.split("-")[0]), cwd=ROOT, env=self.env_of(name),
            stdout=out or None, stderr=subprocess.STDOUT if out else None)
        self.started_at[name] = time.monotonic()

    def supervise(self, say=print) -> None:
        """One round: restart, with backoff, what has died; reset the backoff of what has
        stayed up. Returns at once."""
        now = time.monotonic()
        for name, proc in list(self.procs.items()):
            plan = self.restarts.setdefault(name, _Restarts())
            if proc.poll() is None:
                if plan.due is None and now - self.started_at[name] > STABLE_AFTER:
                    plan.delay = RESTART_FIRST
                continue
            if plan.due is None:
                plan.due = now + plan.delay
                say(f"{name} exited with code {proc.returncode}; restarting in {plan.delay:g}s",
                    flush=True)
                plan.delay = min(plan.delay * 2, RESTART_MAX)
            elif now >= plan.due:
                plan.due = None
                self.start(name)
                say(f"{name} restarted (pid {self.procs[name].pid})", flush=True)

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        self._stop([self.procs.pop(name)], sig)

    def stop_all(self) -> None:
        """Every process at once: each takes a second or two to stop cleanly."""
        procs = list(self.procs.values())
        self.procs.clear()
        self._stop(procs, signal.SIGTERM)

    @staticmethod
    def _stop(procs: list[subprocess.Popen], sig: int) -> None:
        for proc in procs:
            proc.send_signal(sig)
        deadline = time.monotonic() + 15
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def wait_ready(self, timeout: float = 60.0) -> dict:
        """Until every gateway replica reports ready; what the first one said."""
        deadline = time.monotonic() + timeout
        last = "gateway not listening"
        ready: dict[str, dict] = {}
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with code {proc.returncode}")
            for gateway in self.gateways or [self.gateway]:
                if gateway in ready:
                    continue
                try:
                    answer = requests.get(f"{gateway}/readyz", timeout=5)
                    if answer.status_code == 200:
                        ready[gateway] = answer.json()
                    else:
                        last = answer.json().get("detail", answer.text)
                except requests.RequestException as exc:
                    last = str(exc)
            if len(ready) == len(self.gateways or [self.gateway]):
                return ready[self.gateway]
            time.sleep(0.2)
        raise RuntimeError(f"system not ready within {timeout:g}s: {last}")


def run_manage(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "shared.manage", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"manage {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


_handed_out: set[int] = set()


def free_port() -> int:
    """A port for a process about to start, that nothing listens on. Taken below the ephemeral
    range: a port the kernel hands out for bind(0) can meanwhile become the local end of some
    outgoing connection (the tests open hundreds), and the process meant to listen on it then
    dies with EADDRINUSE. Never the same port twice in one process."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(1000):
        port = random.randrange(20000, low)
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port between 20000 and {low}")


def start_system(env: dict, logs: Path | None = None, replicas: dict[str, int] | None = None) -> System:
    """Migrate, start every process, wait until ready. The caller stops it.

    ``replicas`` (e.g. ``{"orders": 2, "gateway": 2}``) runs that many processes of a service
    or of the gateway, as a Deployment's ``replicas`` would: the first keeps the name and the
    ports of ``env``; the others, ``orders-2`` and on, get a free port of their own (a
    service's metrics port, a gateway's GATEWAY_PORT, listed in ``System.gateways``), the same
    broker and the same database. Each is a process of ``procs``, supervised like any other."""
    port = env.get("GATEWAY_PORT", GATEWAY_PORT.default)
    system = System(env=env, gateway=f"http://127.0.0.1:{port}", logs=logs)
    system.gateways.append(system.gateway)
    names = list(PROCESSES)
    for process, count in (replicas or {}).items():
        if process not in PROCESSES:
            raise ValueError(f"no process {process!r} to replicate (one of {', '.join(PROCESSES)})")
        for n in range(2, count + 1):
            name, free = f"{process}-{n}", str(free_port())
            names.append(name)
            if process == "gateway":
                system.overrides[name] = {"GATEWAY_PORT": free}
                system.gateways.append(f"http://127.0.0.1:{free}")
            else:
                system.overrides[name] = {f"{process.upper()}_METRICS_PORT": free}
    run_manage(env, "migrate", "all")
    try:
        for name in names:
            system.start(name)
        system.wait_ready()
    except BaseException:
        system.stop_all()
        raise
    return system


def _stop_on_signal(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    # Both set explicitly: a launcher started in the background inherits SIGINT ignored.
    signal.signal(signal.SIGTERM, _stop_on_signal)
    signal.signal(signal.SIGINT, _stop_on_signal)
    uri = AMQP_URI.get()
    broken = broker_answers(uri, 3.0)
    if broken:
        print(f"RabbitMQ does not answer at {uri} ({broken}).\n"
              "Start one (Debian: `apt-get install rabbitmq-server && rabbitmq-server -detached`,\n"
              "or `docker run -p 5672:5672 rabbitmq:3`) or point AMQP_URI at yours.", file=sys.stderr)
        return 2
    if broker_answers(uri, 3.0, exchange_type="x-consistent-hash"):
        print(f"RabbitMQ at {uri} has no consistent hash exchange, which partitions every\n"
              "consumer's events by stream. Enable it on the broker:\n"
              "  rabbitmq-plugins enable rabbitmq_consistent_hash_exchange", file=sys.stderr)
        return 2
    env = dict(os.environ)
    # Demo mode only: signing keys for this run and a fresh password for the demo HQ admin.
    # Outside `make run` neither has a default (the services refuse to start without a key).
    env.setdefault("AUTH_SECRET", secrets.token_urlsafe(48))
    env.setdefault("PROVIDER_SECRET", secrets.token_urlsafe(32))
    env.setdefault("DEMO_ADMIN_PASSWORD", secrets.token_urlsafe(12))
    env.setdefault("DEMO_BOOKINGS", "1")
    logs = ROOT / "var" / "log"
    logs.mkdir(parents=True, exist_ok=True)
    print(f"migrating, starting {', '.join(SERVICES)} and the gateway...")
    try:
        system = start_system(env, logs)
    except KeyboardInterrupt:
        print("\nstopped while starting")
        return 0
    try:
        print(run_manage(env, "seed", "all").strip())
        print(f"""
The salon platform is up.
  API            {system.gateway}/api/v1  (walk-through in README.md)
  docs           {system.gateway}/docs    OpenAPI {system.gateway}/api/v1/openapi.json
  log in         curl -s -X POST {system.gateway}/api/v1/auth/token -H 'Content-Type: application/json' \\
                   -d '{{"username": "admin", "password": "{env["DEMO_ADMIN_PASSWORD"]}"}}'
  health         {system.gateway}/healthz   readiness {system.gateway}/readyz
  metrics        {system.gateway}/metrics  and per service: """
              + ", ".join(f"{s} :{metrics_port(s)}" for s in SERVICES) + f"""
  databases      {', '.join(database_url(s) for s in SERVICES)}
  logs           {logs}/<service>.log (JSON lines)
  RabbitMQ       {uri.split('@')[-1]}
A process that dies is restarted (logged here). Ctrl-C stops everything.""", flush=True)
        while True:
            system.supervise()
            time.sleep(0.2)
    except KeyboardInterrupt:
        print("\nstopping...")
        return 0
    finally:
        system.stop_all()


if __name__ == "__main__":
    sys.exit(main())
