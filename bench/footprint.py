"""What each service process uses under load, the figures behind the Kubernetes requests and
limits: ``python -m bench.footprint [COMMAND...]`` (default: ``python -m chaos --short``, the
whole system under booking load with faults) runs the command and, every second, reads CPU
time and resident memory of every ``shared.serve SERVICE`` process on the machine from
/proc. It prints, per service, peak and median memory and the 95th percentile and peak of the
CPU it used (in cores). Memory is that of the largest process of a service, CPU the sum over
its processes (one each under chaos; a restarted one takes over its predecessor's).
"""
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def served() -> dict[int, str]:
    """pid -> service of every ``python -m shared.serve SERVICE`` process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"shared.serve" in args:
            found[int(entry.name)] = args[args.index(b"shared.serve") + 1].decode()
    return found


def usage(pid: int) -> tuple[float, int] | None:
    """(CPU seconds so far, resident bytes) of a process, None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS, rss


def main(argv: list[str]) -> int:
    command = argv or [sys.executable, "-m", "chaos", "--short"]
    memory: dict[str, list[int]] = {}
    cpu: dict[str, list[float]] = {}
    last: dict[int, float] = {}
    running = subprocess.Popen(command)
    while running.poll() is None:
        time.sleep(1.0)
        per_service_cpu: dict[str, float] = {}
        per_service_memory: dict[str, int] = {}
        for pid, service in served().items():
            seen = usage(pid)
            if seen is None:
                continue
            used, rss = seen
            per_service_cpu[service] = per_service_cpu.get(service, 0.0) + used - last.get(pid, used)
            per_service_memory[service] = max(per_service_memory.get(service, 0), rss)
            last[pid] = used
        for service, value in per_service_cpu.items():
            cpu.setdefault(service, []).append(value)
        for service, value in per_service_memory.items():
            memory.setdefault(service, []).append(value)
    print(f"{'service':10} {'memory MiB peak':>16} {'median':>7} {'CPU cores p95':>14} {'peak':>6}")
    for service in sorted(memory):
        mib = [value / 2**20 for value in memory[service]]
        cores = sorted(cpu.get(service, [0.0]))
        p95 = cores[min(len(cores) - 1, int(len(cores) * 0.95))]
        print(f"{service:10} {max(mib):16.0f} {statistics.median(mib):7.0f} {p95:14.2f} {max(cores):6.2f}")
    return running.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
