"""`make run`'s launcher: SIGINT sent to it alone (not to its process group, as Ctrl-C does),
even when it was started with SIGINT ignored (``make run &``), stops every process it started,
within seconds."""
import os
import signal
import subprocess
import sys
import threading
import time
import uuid

from shared.config import ROOT, SERVICES
from tests.e2e.conftest import free_port


def children_of(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie has exited; only its entry is left
        return stat.read().split()[2] != "Z"


def test_sigint_to_the_launcher_alone_stops_every_process_it_started(request, vhost_pipeline, tmp_path):
    amqp = request.config.getoption("RABBIT_AMQP_URI").rstrip("/")
    with vhost_pipeline.get() as vhost:
        env = {**os.environ, "AMQP_URI": f"{amqp}/{vhost}", "VAR_DIR": str(tmp_path),
               "GATEWAY_PORT": str(free_port()), "AUTH_SECRET": uuid.uuid4().hex * 2,
               "DEMO_ADMIN_PASSWORD": uuid.uuid4().hex}
        for service in SERVICES:
            env[f"{service.upper()}_METRICS_PORT"] = str(free_port())
            env.pop(f"{service.upper()}_DATABASE_URL", None)
        # A session of its own: the signal below reaches the launcher and nothing else. And
        # SIGINT ignored, as a shell leaves it for a job it starts in the background.
        launcher = subprocess.Popen([sys.executable, "-m", "shared.launcher"], cwd=ROOT, env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                    start_new_session=True,
                                    preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        up = threading.Event()
        output = []

        def read():
            for line in launcher.stdout:
                output.append(line)
                if "Ctrl-C stops everything" in line:
                    up.set()
        threading.Thread(target=read, daemon=True).start()
        try:
            assert up.wait(90), "".join(output)
            started = children_of(launcher.pid)
            assert len(started) == len(SERVICES) + 1  # the six services and the gateway
            began = time.monotonic()
            os.kill(launcher.pid, signal.SIGINT)
            launcher.wait(timeout=20)
            took = time.monotonic() - began
        finally:
            if launcher.poll() is None:
                os.killpg(launcher.pid, signal.SIGKILL)
        assert took < 10
        assert launcher.returncode == 0
        assert [pid for pid in started if alive(pid)] == []
