"""Service processes and the launcher: a stop signal always stops, a dead process is restarted."""
import os
import signal
import subprocess
import sys
import time

from shared import launcher
from shared.config import ROOT
from shared.testing import poll_until


def test_sigterm_while_a_service_is_still_starting_stops_it_within_seconds(tmp_path):
    # Nothing listens on this port: the service waits for its broker, as on a fresh machine.
    env = {**os.environ, "AMQP_URI": "amqp://guest:guest@127.0.0.1:1/", "VAR_DIR": str(tmp_path),
           "BOOKING_METRICS_PORT": "0", "LOG_LEVEL": "INFO"}
    proc = subprocess.Popen([sys.executable, "-m", "shared.serve", "booking"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        lines = iter(proc.stdout.readline, b"")
        poll_until(lambda: b"a stop signal is heard" in next(lines, b"") or proc.poll() is not None,
                   timeout=30, what="the service starting")
        assert proc.poll() is None  # starting: connecting to the broker, retrying
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
        assert time.monotonic() - started < 12
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
            raise AssertionError("the service ignored SIGTERM while starting")


def test_a_process_that_dies_is_restarted_with_a_growing_delay_and_a_log_line(monkeypatch, tmp_path):
    monkeypatch.setattr(launcher, "RESTART_FIRST", 0.1)
    marker = tmp_path / "starts"
    dies_at_once = [sys.executable, "-c",
                    f"open({str(marker)!r}, 'a').write('x'); raise SystemExit(3)"]
    system = launcher.System(env=dict(os.environ), gateway="", command=lambda name: dies_at_once)
    said = []
    system.start("booking")

    def starts():
        system.supervise(lambda line, flush=True: said.append(line))
        return marker.exists() and len(marker.read_text()) >= 3

    poll_until(starts, timeout=10, interval=0.01, what="two restarts")
    system.stop_all()
    assert said[:4] == ["booking exited with code 3; restarting in 0.1s",
                        f"booking restarted (pid {said[1].split('pid ')[1][:-1]})",
                        "booking exited with code 3; restarting in 0.2s", said[3]]
