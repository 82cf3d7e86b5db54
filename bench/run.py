"""Run Ecosys' benchmarks and write `bench/results/latest.json` and `latest.md`.

    .venv/bin/python bench/run.py            # every benchmark
    .venv/bin/python bench/run.py pages      # a subset, by name (others' results are kept)
    .venv/bin/python bench/run.py --fresh    # reload the large demo into PostgreSQL first
    .venv/bin/python bench/run.py --list     # what there is

To add a benchmark: write a module with `run(ctx: Context, report: Report) -> None` that asks
`ctx` for what it needs (`ctx.database`, `ctx.server`, `ctx.auth`, `ctx.ecosys(...)`) and calls
`report.add(...)` per figure, then add a `Benchmark` line to `BENCHMARKS` below.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import channel
import pages
from channel_data import SIZES as CHANNEL_SIZES
from harness import ROOT, BenchError, Context, Settings, describe_machine, log
from results import Report, format_ratio, merge_and_write

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Benchmark:
    name: str
    description: str
    run: Callable[[Context, Report], None]


BENCHMARKS: dict[str, Benchmark] = {
    benchmark.name: benchmark
    for benchmark in [
        Benchmark(
            "pages",
            "org list page, org detail page and list API vs a trivial view (gunicorn + wrk)",
            pages.run,
        ),
        Benchmark(
            "channel_analytics",
            "scorecards (Ecosys vs pandas vs a DuckDB floor), ingestion and early warnings on "
            "1M-50M rows of generated channel data (no server, no PostgreSQL)",
            channel.run,
        ),
        Benchmark(
            "bundle",
            "export and import of the large demo as an exit bundle vs pg_dump (PostgreSQL)",
            lambda ctx, report: importlib.import_module("bundle").run(ctx, report),
        ),
        Benchmark(
            "staffing",
            "staffing optimiser at 5,000 people x 500 open roles vs its MIP bound and a greedy "
            "baseline (no server)",
            lambda ctx, report: importlib.import_module("staffing").run(ctx, report),
        ),
    ]
}


def _machine() -> str:
    cores = os.cpu_count() or 1
    return (
        f"{describe_machine()}; the server (gunicorn), PostgreSQL and the load generator (wrk) "
        f"all share these {cores} cores, so absolute figures are lower than on a dedicated "
        f"server: compare the ratios"
    )


def _git_commit() -> str:
    result = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return result.stdout.strip() or "unknown"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--fresh", action="store_true", help="drop and reload the database")
    defaults = Settings()
    parser.add_argument("--duration", type=int, default=defaults.duration, help="s per endpoint")
    parser.add_argument("--warmup", type=int, default=defaults.warmup, help="s before each")
    parser.add_argument("--connections", type=int, default=defaults.connections)
    parser.add_argument("--threads", type=int, default=defaults.threads)
    parser.add_argument(
        "--quiet-wait", type=int, default=defaults.quiet_wait,
        help="s to wait at most for other processes to leave the CPUs idle before measuring",
    )  # fmt: skip
    parser.add_argument("--workers", type=int, default=defaults.workers, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    pg_server = os.environ.get("BENCH_PG_SERVER", defaults.pg_server)
    parser.add_argument("--pg-server", default=pg_server, help="PostgreSQL URL without database")
    parser.add_argument("--db-name", default=defaults.db_name)
    sizes = os.environ.get("ECOSYS_BENCH_CHANNEL_SIZES", ",".join(defaults.channel_sizes))
    parser.add_argument(
        "--sizes", default=sizes,
        help="channel_analytics data sizes, comma-separated (default: %(default)s; "
        "env ECOSYS_BENCH_CHANNEL_SIZES)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    args.sizes = tuple(size.strip().lower() for size in args.sizes.split(",") if size.strip())
    bad = [size for size in args.sizes if size not in CHANNEL_SIZES]
    if bad or not args.sizes:
        parser.error(f"--sizes: unknown {', '.join(bad)}; known: {', '.join(CHANNEL_SIZES)}")
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    return args


def _terminate(signum, frame):
    raise SystemExit(128 + signum)  # unwinds the ExitStack, which stops gunicorn


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        for benchmark in BENCHMARKS.values():
            print(f"{benchmark.name:<12} {benchmark.description}")
        return 0
    settings = Settings(
        pg_server=args.pg_server, db_name=args.db_name, fresh=args.fresh, port=args.port,
        workers=args.workers, duration=args.duration, warmup=args.warmup,
        connections=args.connections, threads=args.threads, quiet_wait=args.quiet_wait,
        channel_sizes=args.sizes,
    )  # fmt: skip
    selected = [BENCHMARKS[name] for name in (args.names or BENCHMARKS)]
    signal.signal(signal.SIGTERM, _terminate)
    started = time.monotonic()
    reports: list[Report] = []
    with ExitStack() as stack:
        ctx = Context(settings, stack)
        try:
            for benchmark in selected:
                log(f"benchmark {benchmark.name}")
                report = Report(benchmark.name)
                bench_started = time.monotonic()
                benchmark.run(ctx, report)
                report.context.setdefault(
                    "measured_at",
                    f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, commit {_git_commit()}, "
                    f"{time.monotonic() - bench_started:.0f} s",
                )
                report.context.setdefault("machine", _machine())
                reports.append(report)
        except BenchError as error:
            log(f"FAILED: {error}")
            if "server" in ctx.__dict__:
                log(f"gunicorn log (tail):\n{ctx.server_log_tail()}")
            return 1
    records = merge_and_write(RESULTS, reports, list(BENCHMARKS))
    ran = {report.benchmark for report in reports}
    for record in (record for record in records if record.benchmark in ran):
        ratio = f"  ({format_ratio(record.ratio)} of {record.compared_to})" if record.ratio else ""
        met = record.target.met(record) if record.target else None
        verdict = {True: "  pass", False: "  FAIL", None: ""}[met]
        print(f"{record.benchmark}.{record.metric:<28} {record.value:>10,.1f} {record.unit}"
              f"{ratio}{verdict}")  # fmt: skip
    log(f"done in {time.monotonic() - started:.0f} s; wrote {RESULTS / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
