"""``make run``: the whole system on one machine, each service its own process.

Checks the broker (and says how to get one), migrates every service's database, starts
the five domain services and the gateway (``python -m shared.serve NAME``), waits until
the gateway reports ready, seeds demo data, prints where to look, and stops everything
on Ctrl-C. ``start_system`` is also what the end-to-end tests use.
"""
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from shared.amqp import broker_answers
from shared.config import AMQP_URI, GATEWAY_PORT, ROOT, SERVICES, database_url, metrics_port

PROCESSES = (*SERVICES, "gateway")


@dataclass
class System:
    env: dict
    gateway: str
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: Path | None = None

    def start(self, name: str) -> None:
        out = open(self.logs / f"{name}.log", "ab") if self.logs else None
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "shared.serve", name], cwd=ROOT, env=self.env,
            stdout=out or None, stderr=subprocess.STDOUT if out else None)

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
        deadline = time.monotonic() + timeout
        last = "gateway not listening"
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with code {proc.returncode}")
            try:
                answer = requests.get(f"{self.gateway}/readyz", timeout=5)
                if answer.status_code == 200:
                    return answer.json()
                last = answer.json().get("detail", answer.text)
            except requests.RequestException as exc:
                last = str(exc)
            time.sleep(0.2)
        raise RuntimeError(f"system not ready within {timeout:g}s: {last}")


def run_manage(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "shared.manage", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"manage {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def start_system(env: dict, logs: Path | None = None) -> System:
    """Migrate, start every process, wait until ready. The caller stops it."""
    port = env.get("GATEWAY_PORT", GATEWAY_PORT.default)
    system = System(env=env, gateway=f"http://127.0.0.1:{port}", logs=logs)
    run_manage(env, "migrate", "all")
    try:
        for name in PROCESSES:
            system.start(name)
        system.wait_ready()
    except BaseException:
        system.stop_all()
        raise
    return system


def _exit_on_sigterm(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    uri = AMQP_URI.get()
    broken = broker_answers(uri, 3.0)
    if broken:
        print(f"RabbitMQ does not answer at {uri} ({broken}).\n"
              "Start one (Debian: `apt-get install rabbitmq-server && rabbitmq-server -detached`,\n"
              "or `docker run -p 5672:5672 rabbitmq:3`) or point AMQP_URI at yours.", file=sys.stderr)
        return 2
    env = dict(os.environ)
    # Demo mode only: a signing key for this run and a fresh password for the demo HQ admin.
    # Outside `make run` neither has a default (the services refuse to start without a key).
    env.setdefault("AUTH_SECRET", secrets.token_urlsafe(48))
    env.setdefault("DEMO_ADMIN_PASSWORD", secrets.token_urlsafe(12))
    logs = ROOT / "var" / "log"
    logs.mkdir(parents=True, exist_ok=True)
    print(f"migrating, starting {', '.join(SERVICES)} and the gateway...")
    system = start_system(env, logs)
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
Ctrl-C stops everything.""", flush=True)
        while all(proc.poll() is None for proc in system.procs.values()):
            time.sleep(0.5)
        dead = [name for name, proc in system.procs.items() if proc.poll() is not None]
        print(f"stopping: {', '.join(dead)} exited (see {logs})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping...")
        return 0
    finally:
        system.stop_all()


if __name__ == "__main__":
    sys.exit(main())
