"""Run every kernel benchmark and print one table: ``python -m bench [--quick] [--only NAME ...]``.

Each benchmark runs in its own interpreter (``python -m bench.<name>``) so that eventlet's
monkey patch, nameko containers and garbage never leak from one into the next. Every
figure is printed beside its baseline measured in the same run, with the ratio
(figure / baseline), the target and whether it was met. A missed target prints MISSED;
the exit status is non-zero only if a benchmark crashed.

  relay    outbox relay publish rate vs a raw pika loop without confirms (>= 0.5)
  append   event append rate, SQLite and PostgreSQL, 1 and 100 events per transaction
  rebuild  projection rebuild rate vs a raw sqlite3 read/decode/upsert loop (>= 0.5)
  latency  commit -> consumer-handled latency at 500 events/s (p99 < 50 ms)
  consume  consumer throughput, ordered delivery vs nameko's per-type queue (>= 0.5)
  auth     login timing, unknown user vs wrong password (p50 ratio >= 0.8), beside a raw
           argon2 verify; GET /api/v1/me vs GET /healthz (the cost of authentication)
  availability  one store-day (p99 < 20 ms) and 31 days (p99 < 250 ms) of a store with 50
           staff, 10 resource types and a year of bookings, beside the bare read of its rows
  booking  booking creation through the gateway at 50 clients vs an RPC through the same
           auth path (>= 0.5), p99 < 100 ms
  payments card payments through the gateway at 50 clients on distinct orders vs booking
           creation in the same run (>= 0.5), p99 < 150 ms with a 20 ms provider
  points   a member's points balance and ledger page with 10,000 ledger lines (p99 < 20 ms),
           beside the bare read of 50 ledger rows
  segments a campaign issued to a segment of 100,000 members vs the kernel's append rate of
           the same run (>= 0.5)
  inventory  a store's stock list with 5,000 products and a year of movements (p99 < 30 ms),
           beside the bare read of 50 stock rows; recipes of 1,000 completed bookings consumed
           vs the kernel's handler rate of the same run (>= 0.5)
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

from bench.common import RESULT_PREFIX, ROOT, Figure, child_env

BENCHMARKS = ("relay", "append", "rebuild", "latency", "consume", "auth", "availability", "booking",
              "payments", "points", "segments", "inventory")
TIMEOUT = {"relay": 120, "append": 150, "rebuild": 120, "latency": 150, "consume": 300, "auth": 150,
           "availability": 300, "booking": 240, "payments": 240, "points": 240, "segments": 600,
           "inventory": 480}


def run_one(name: str, quick: bool) -> tuple[list[Figure] | None, str, float]:
    """Run ``bench.<name>``; returns (figures or None on a crash, error text, seconds)."""
    started = time.monotonic()
    args = [sys.executable, "-m", f"bench.{name}"] + (["--quick"] if quick else [])
    try:
        proc = subprocess.run(args, cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, text=True,
                              timeout=TIMEOUT[name])
    except subprocess.TimeoutExpired:
        return None, f"timed out after {TIMEOUT[name]} s", time.monotonic() - started
    elapsed = time.monotonic() - started
    lines = [line for line in proc.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if proc.returncode != 0 or not lines:
        return None, f"exit status {proc.returncode}" + ("" if lines else ", no result"), elapsed
    figures = [Figure(**item) for item in json.loads(lines[-1][len(RESULT_PREFIX):])]
    return figures, "", elapsed


def fmt_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "ms":
        return f"{value:,.1f} ms"
    return f"{value:,.0f} {unit}"


def fmt_target(fig: Figure) -> str:
    if fig.target is None:
        return "-"
    op = ">=" if fig.higher_is_better else "<"
    if fig.target_kind == "ratio":
        return f"ratio {op} {fig.target:g}"
    return f"{op} {fmt_value(fig.target, fig.unit)}"


def verdict(fig: Figure) -> str:
    met = fig.met
    return "info" if met is None else ("met" if met else "MISSED")


def print_table(results: dict[str, tuple[list[Figure] | None, str, float]]) -> None:
    header = ("figure", "measured", "baseline (same run)", "ratio", "target", "result")
    rows, notes = [], []
    for name, (figures, error, _elapsed) in results.items():
        if figures is None:
            rows.append((f"{name}: benchmark", "-", "-", "-", "-", f"CRASHED ({error})"))
            notes.append("")
            continue
        for fig in figures:
            base = ("-" if fig.baseline is None
                    else f"{fmt_value(fig.baseline, fig.unit)}  {fig.baseline_name}")
            ratio = "-" if fig.ratio is None else f"{fig.ratio:.2f}"
            rows.append((fig.name, fmt_value(fig.value, fig.unit), base, ratio, fmt_target(fig),
                         verdict(fig)))
            notes.append(fig.notes)
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)

    def show(cells):
        print("  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip())

    show(header)
    print(line)
    for cells, note in zip(rows, notes, strict=True):
        show(cells)
        if note:
            print(f"    {note}")
    print(line)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="shorter runs (fewer events, rounds, seconds)")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, help="run only these benchmarks")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    args = parser.parse_args()
    names = args.only or BENCHMARKS

    started = time.monotonic()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"kernel benchmarks ({'quick' if args.quick else 'full'} mode) on {platform.node()}: "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, load average {load:.2f}",
          flush=True)
    results = {}
    for name in names:
        print(f"[{name}] running ...", flush=True)
        results[name] = run_one(name, args.quick)
        figures, error, elapsed = results[name]
        print(f"[{name}] {'done' if figures is not None else 'CRASHED: ' + error} in {elapsed:.0f} s",
              flush=True)

    print()
    print_table(results)
    crashed = [name for name, (figures, _, _) in results.items() if figures is None]
    verdicts = [verdict(f) for figures, _, _ in results.values() if figures for f in figures]
    print(f"targets: {verdicts.count('met')} met, {verdicts.count('MISSED')} MISSED; "
          f"benchmarks crashed: {len(crashed)}{' (' + ', '.join(crashed) + ')' if crashed else ''}; "
          f"total {time.monotonic() - started:.0f} s")
    print("ratio = measured / baseline. Rates: best of alternating rounds (every round in the notes). "
          "Latency: nearest-rank percentiles over the measured window.")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({name: {"error": error, "seconds": elapsed,
                              "figures": [f.to_json() | {"ratio": f.ratio, "met": f.met}
                                          for f in figures or []]}
                       for name, (figures, error, elapsed) in results.items()}, out, indent=2)
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
