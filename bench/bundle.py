"""Benchmark `bundle`: export and import of the large demo as an exit bundle, beside pg_dump.

Issue 6's targets, all measured in the same run on the same PostgreSQL database (the `large`
demo that `ctx.database` loads, one workspace):

- **pg_dump**, the baseline: `pg_dump --format=custom` (zlib-compressed, like the bundle's
  deflated ZIP) of exactly the tables the bundle holds: each declared entity's table and the
  link tables of its many-to-many references, with their definitions. Only the tables the bundle
  holds, so that both sides move the same rows; the rest of the database (sessions, audit log,
  scores, tasks...) would only lengthen pg_dump's time and flatter the exporter. Its rate is
  the bundle's row count (the entity rows, which the link rows ride along with on both sides)
  over pg_dump's wall time (median of 3 runs; it takes seconds).
- **export**: `export_bundle(workspace, scope="workspace")` to a file, in a fresh process with
  the production settings; rows/s over the call's wall time (Django's start-up left out), the
  process's peak RSS (`ru_maxrss`), and its CPU and its PostgreSQL backend's CPU.
- **import**: `import_bundle` of that file into a new workspace of an empty database migrated
  fresh (the bundle's public ids already exist in the bench database, where an import would be
  refused, rightly), also in a fresh process: rows/s, peak RSS, CPU.
- **memory flatness**: the same export of the `medium` demo (its own database, loaded on first
  use and then reused), whose peak RSS the large export's is compared with.

Channel facts (Parquet files of the channel store, not database rows) are left out: every
worker gets an empty store, since pg_dump does not hold them and a reused demo database has
none (they stay in the temporary data directory of the run that loaded it).

Each worker also samples its RSS every 50 ms and says in which phase (entity) it peaked, and
`ECOSYS_BENCH_BUNDLE_PROFILE=1` adds a cProfile pass of export and import after the measured
ones (not timed; the top functions go to the log and the `.prof` files to
`var/bench/bundle/`).

The workers run as `python bench/bundle.py worker '<json>'`, so each peak RSS is its own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from harness import (
    PYTHON,
    ROOT,
    BenchError,
    Context,
    _demo_fingerprint,
    load_average,
    log,
    require,
    wait_until_quiet,
)
from psycopg import sql
from results import Report, Target

RATE_TARGET = 0.25  # export rows/s ÷ pg_dump rows/s
RSS_TARGET_MB = 500.0
IMPORT_TARGET = 50_000.0  # rows/s
MEDIUM_DB_SUFFIX = "_medium"
IMPORT_DB_SUFFIX = "_import"
WORK = ROOT / "var" / "bench" / "bundle"
RESULT_MARKER = "BUNDLE-RESULT "
SAMPLE_SECONDS = 0.05
DUMP_REPEAT = 3  # pg_dump takes seconds: the median of 3


# ------------------------------------------------------------------------------ the workers
# They run in their own process with Django set up (production settings, bench database).


class _Sampler:
    """Samples the process's RSS in a thread; keeps the peak and the duration of each phase."""

    def __init__(self) -> None:
        import threading

        self.phase = "start"
        self.peaks: dict[str, float] = {}
        self.seconds: dict[str, float] = {}
        self.since = time.perf_counter()
        self.order: list[str] = []
        self.page = os.sysconf("SC_PAGE_SIZE")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss_mb(self) -> float:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * self.page / 2**20

    def enter(self, phase: str) -> None:
        self.sample()
        now = time.perf_counter()
        self.seconds[self.phase] = self.seconds.get(self.phase, 0.0) + now - self.since
        self.phase, self.since = phase, now

    def sample(self) -> None:
        phase, rss = self.phase, self.rss_mb()
        if phase not in self.peaks:
            self.order.append(phase)
        self.peaks[phase] = max(self.peaks.get(phase, 0.0), rss)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self.sample()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.enter("end")

    def as_list(self) -> list[tuple[str, float, float]]:
        return [
            (phase, round(self.peaks[phase], 1), round(self.seconds.get(phase, 0.0), 2))
            for phase in self.order
        ]


def _proc_cpu(pid: int) -> float | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _profiled(job: dict, call):
    """Run `call()`, under cProfile when the job asks (writing the stats where it says)."""
    if not job.get("profile"):
        return call()
    import cProfile

    # CPU time, not wall time: on a shared machine waits for the CPU would swamp the profile
    # (the PostgreSQL side is measured apart, as the backend's CPU).
    profiler = cProfile.Profile(time.process_time)
    try:
        return profiler.runcall(call)
    finally:
        profiler.dump_stats(job["profile"])


def _worker_export(job: dict) -> dict:
    from django_scopes import scope

    from ecosys.core.models import Workspace
    from ecosys.portability.bundle_export import export_bundle

    with _Sampler() as sampler:
        workspace = Workspace.objects.get(slug=job["slug"])
        backend = _backend_pid()
        setup_rss = sampler.rss_mb()
        db_cpu, cpu = _proc_cpu(backend), time.process_time()
        started = time.perf_counter()
        with scope(workspace=workspace.pk), open(job["path"], "wb") as out:
            manifest = _profiled(
                job,
                lambda: export_bundle(
                    workspace,
                    scope="workspace",
                    out=out,
                    progress=lambda phase, percent: sampler.enter(phase),
                ),
            )
        seconds = time.perf_counter() - started
        cpu, db_after = time.process_time() - cpu, _proc_cpu(backend)
    return {
        "seconds": seconds,
        "cpu_s": cpu,
        "db_cpu_s": db_after - db_cpu if db_cpu is not None and db_after is not None else None,
        "setup_rss_mb": setup_rss,
        "phases": sampler.as_list(),
        "counts": {entity: entry["count"] for entity, entry in manifest.entities.items()},
        "bytes": os.path.getsize(job["path"]),
    }


def _worker_import(job: dict) -> dict:
    from django_scopes import scopes_disabled

    from ecosys.core.models import Workspace
    from ecosys.portability.bundle_import import import_bundle
    from ecosys.portability.registry import declarations

    with _Sampler() as sampler:
        workspace = Workspace.objects.create(name="Bundle benchmark import", slug=job["slug"])
        backend = _backend_pid()
        setup_rss = sampler.rss_mb()
        db_cpu, cpu = _proc_cpu(backend), time.process_time()
        started = time.perf_counter()
        outcome = _profiled(
            job,
            lambda: import_bundle(
                workspace,
                job["path"],
                policy="skip",
                progress=lambda phase, percent: sampler.enter(phase),
            ),
        )
        seconds = time.perf_counter() - started
        cpu, db_after = time.process_time() - cpu, _proc_cpu(backend)
    with scopes_disabled():
        written = {
            declaration.entity: declaration.model.objects.filter(workspace=workspace).count()
            for declaration in declarations()
        }
    return {
        "seconds": seconds,
        "cpu_s": cpu,
        "db_cpu_s": db_after - db_cpu if db_cpu is not None and db_after is not None else None,
        "setup_rss_mb": setup_rss,
        "phases": sampler.as_list(),
        "report": outcome.as_dict(),
        "written": written,
    }


def _worker_inventory(job: dict) -> dict:
    """The tables the bundle holds: entity tables and their many-to-many link tables."""
    from ecosys.portability.registry import declarations

    entities = []
    for declaration in declarations():
        links = [
            declaration.field(name).remote_field.through._meta.db_table
            for name in declaration.refs
            if declaration.is_many(name)
        ]
        entities.append(
            {
                "entity": declaration.entity,
                "table": declaration.model._meta.db_table,
                "links": links,
            }
        )
    return {"entities": entities}


WORKERS = {"export": _worker_export, "import": _worker_import, "inventory": _worker_inventory}


def worker_main(job: dict) -> None:
    import resource

    import django

    django.setup()
    result = WORKERS[job["kind"]](job)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(RESULT_MARKER + json.dumps(result), flush=True)


# ------------------------------------------------------------------------------- the bench
@dataclass(frozen=True)
class Table:
    entity: str
    table: str
    links: tuple[str, ...]


def _worker(ctx: Context, job: dict, *, database_url: str | None = None) -> dict:
    """Run one worker in a fresh process; its result, or a BenchError with its output.

    Its channel store is an empty directory: the demo's Parquet files stay in the temporary
    data directory of the run that loaded it, so a reused database has none, and an export
    with them in one run and without in the next would not compare (see the module's note).
    """
    empty = WORK / "no-channel-store"
    shutil.rmtree(empty, ignore_errors=True)
    empty.mkdir(parents=True)
    env = {**ctx.env, "ECOSYS_ANALYTICS_DIR": str(empty)}
    if database_url:
        env["DATABASE_URL"] = database_url
    started = time.monotonic()
    result = subprocess.run(
        [PYTHON, str(Path(__file__).resolve()), "worker", json.dumps(job)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    lines = [line for line in result.stdout.splitlines() if line.startswith(RESULT_MARKER)]
    if result.returncode != 0 or not lines:
        raise BenchError(
            f"bundle worker {job['kind']} failed ({result.returncode}):\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-8000:]}"
        )
    data = json.loads(lines[-1][len(RESULT_MARKER) :])
    data["process_seconds"] = time.monotonic() - started
    return data


def _url(ctx: Context, name: str) -> str:
    return f"{ctx.settings.pg_server.rstrip('/')}/{name}"


def _admin(ctx: Context) -> psycopg.Connection:
    return psycopg.connect(_url(ctx, "postgres"), autocommit=True)


def _recreate(ctx: Context, name: str) -> str:
    with _admin(ctx) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = _url(ctx, name)
    ctx.ecosys("manage", "migrate", "--noinput", "-v", "0", env={"DATABASE_URL": url})
    return url


def _drop(ctx: Context, name: str) -> None:
    with suppress(psycopg.Error), _admin(ctx) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _medium_database(ctx: Context) -> str:
    """The medium demo in its own database: reused when loaded by today's generator."""
    name = ctx.settings.db_name + MEDIUM_DB_SUFFIX
    url = _url(ctx, name)
    wanted = f"demo medium {_demo_fingerprint()}"
    with _admin(ctx) as conn:
        found = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
    if found and found[0] == wanted and not ctx.settings.fresh:
        log(f"reusing database {name} (medium demo)")
        ctx.ecosys("manage", "migrate", "--noinput", "-v", "0", env={"DATABASE_URL": url})
        return url
    log(f"(re)creating database {name} with the medium demo")
    _recreate(ctx, name)
    # Its own data directory, so its channel store does not land where the large demo's is.
    data_dir = ctx.data_dir / "medium"
    ctx.ecosys(
        "demo", "--size", "medium", capture=True,
        env={"DATABASE_URL": url, "ECOSYS_DATA_DIR": str(data_dir)},
    )  # fmt: skip
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    with _admin(ctx) as conn:
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(wanted)
            )
        )
    return url


def _inventory(ctx: Context) -> list[Table]:
    data = _worker(ctx, {"kind": "inventory"})
    return [Table(e["entity"], e["table"], tuple(e["links"])) for e in data["entities"]]


def _row_counts(url: str, tables: list[Table]) -> tuple[dict[str, int], int]:
    """Rows per entity table, and the link rows of all their many-to-many tables."""
    with psycopg.connect(url, autocommit=True) as conn:

        def count(table: str) -> int:
            query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            return conn.execute(query).fetchone()[0]

        rows = {table.entity: count(table.table) for table in tables}
        links = sum(count(link) for table in tables for link in table.links)
    return rows, links


class _BackendWatch:
    """The CPU used by the PostgreSQL backends of connections with one application name.

    Polls pg_stat_activity and their /proc entries every 20 ms while a client (pg_dump) runs,
    keeping the last reading of each backend, so its CPU can be set beside the exporter's.
    """

    def __init__(self, url: str, application_name: str) -> None:
        import threading

        self.url, self.name = url, application_name
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self._stop.wait(0.02):
                pids = conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [self.name]
                ).fetchall()
                for (pid,) in pids:
                    seconds = _proc_cpu(pid)
                    if seconds is not None:
                        self.cpu[pid] = seconds

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def total(self) -> float:
        return sum(self.cpu.values())


def _pg_dump(ctx: Context, tables: list[Table], path: Path) -> dict[str, Any]:
    names = [name for table in tables for name in (table.table, *table.links)]
    runs = []
    for number in range(DUMP_REPEAT):
        application = f"ecosys-bench-pg_dump-{os.getpid()}-{number}"
        command = [
            require("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
            f"--file={path}", *(f"--table=public.{name}" for name in names),
            f"{ctx.database_url}?application_name={application}",
        ]  # fmt: skip
        before = os.times()
        with _BackendWatch(ctx.database_url, application) as backend:
            started = time.perf_counter()
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            seconds = time.perf_counter() - started
        after = os.times()
        if result.returncode != 0:
            raise BenchError(f"pg_dump failed ({result.returncode}): {result.stderr[-4000:]}")
        cpu = (after.children_user - before.children_user) + (
            after.children_system - before.children_system
        )
        runs.append((seconds, cpu, backend.total))
    seconds, cpu, db_cpu = sorted(runs)[len(runs) // 2]
    return {
        "seconds": seconds,
        "cpu_s": cpu,
        "db_cpu_s": db_cpu,
        "all_seconds": [round(run[0], 2) for run in runs],
        "bytes": path.stat().st_size,
        "tables": len(names),
    }


def _pg_dump_whole(ctx: Context, path: Path) -> float:
    started = time.perf_counter()
    command = [require("pg_dump"), "--format=custom", f"--file={path}", ctx.database_url]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BenchError(f"pg_dump failed ({result.returncode}): {result.stderr[-4000:]}")
    return time.perf_counter() - started


def _phases(phases: list[list], top: int = 4) -> str:
    ranked = sorted(phases, key=lambda item: -item[1])[:top]
    return ", ".join(f"{phase} {rss:,.0f} MB" for phase, rss, _ in ranked)


def _slowest(phases: list[list], top: int = 5) -> str:
    """The phases that took longest, and the time per kind of phase ("checking", "writing")."""
    kinds: dict[str, float] = {}
    for phase, _, seconds in phases:
        kind = phase.split(" ", 1)[0] if " " in phase else "entity"
        kinds[kind] = kinds.get(kind, 0.0) + seconds
    ranked = sorted(phases, key=lambda item: -item[2])[:top]
    return (
        ", ".join(f"{phase} {seconds:.1f} s" for phase, _, seconds in ranked)
        + " (by kind: "
        + ", ".join(f"{kind} {seconds:.1f} s" for kind, seconds in kinds.items() if seconds >= 0.1)
        + ")"
    )


def _check_import(data: dict, counts: dict[str, int]) -> None:
    outcome = data["report"]
    if not outcome["ok"] or not outcome["applied"]:
        raise BenchError(f"the import was refused or not applied: {outcome['problems'][:10]}")
    wrong = {
        entity: (count, data["written"].get(entity))
        for entity, count in counts.items()
        if data["written"].get(entity) != count
    }
    if wrong:
        raise BenchError(f"the import wrote other counts than the bundle holds: {wrong}")


def _bundle_entries(path: Path) -> tuple[int, int]:
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    return len(infos), sum(info.file_size for info in infos)


def _profile(ctx: Context, slug: str, bundle: Path, import_db: str) -> None:
    """cProfile of export and import (not timed): top functions to the log, stats to WORK."""
    import pstats

    export_prof, import_prof = WORK / "export.prof", WORK / "import.prof"
    log("profiling the export (cProfile)")
    _worker(
        ctx,
        {
            "kind": "export",
            "slug": slug,
            "path": str(WORK / "profiled.zip"),
            "profile": str(export_prof),
        },
    )
    log("profiling the import (cProfile)")
    url = _recreate(ctx, import_db)
    job = {
        "kind": "import",
        "slug": "bench-import",
        "path": str(bundle),
        "profile": str(import_prof),
    }
    _worker(ctx, job, database_url=url)
    _drop(ctx, import_db)
    for name, path in (("export", export_prof), ("import", import_prof)):
        for order in ("tottime", "cumulative"):
            log(f"{name} profile, top 25 by {order} ({path}):")
            stats = pstats.Stats(str(path), stream=sys.stderr)
            stats.strip_dirs().sort_stats(order).print_stats(25)


def run(ctx: Context, report: Report) -> None:
    database = ctx.database
    WORK.mkdir(parents=True, exist_ok=True)
    tables = _inventory(ctx)
    rows, link_rows = _row_counts(database.url, tables)
    total_rows = sum(rows.values())
    medium_url = _medium_database(ctx)
    medium_rows, _ = _row_counts(medium_url, tables)
    import_db = ctx.settings.db_name + IMPORT_DB_SUFFIX
    import_url = _recreate(ctx, import_db)
    ctx.stack.callback(_drop, ctx, import_db)
    slug = "helix"  # ecosys.ecosystem.demo.DEMO_SLUG (bench/ runs outside Django)
    bundle = WORK / "large.zip"

    busy = wait_until_quiet(ctx.settings.quiet_limit, ctx.settings.quiet_wait)
    load_before = load_average()
    log(f"pg_dump of the {sum(1 + len(t.links) for t in tables)} tables the bundle holds")
    dump = _pg_dump(ctx, tables, WORK / "tables.dump")
    log(f"pg_dump: {total_rows:,} rows in {dump['seconds']:.1f} s")
    log("export_bundle of the large demo")
    export = _worker(ctx, {"kind": "export", "slug": slug, "path": str(bundle)})
    log(
        f"export: {sum(export['counts'].values()):,} rows in {export['seconds']:.1f} s, "
        f"peak RSS {export['peak_rss_mb']:,.0f} MB"
    )
    log("import_bundle into an empty workspace of a fresh database")
    imported = _worker(
        ctx,
        {"kind": "import", "slug": "bench-import", "path": str(bundle)},
        database_url=import_url,
    )
    log(f"import: {imported['seconds']:.1f} s, peak RSS {imported['peak_rss_mb']:,.0f} MB")
    log("export_bundle of the medium demo (memory flatness)")
    medium = _worker(
        ctx,
        {"kind": "export", "slug": slug, "path": str(WORK / "medium.zip")},
        database_url=medium_url,
    )
    load_after = load_average()
    log("import_bundle of the medium demo's bundle (memory flatness)")
    medium_import_url = _recreate(ctx, import_db)
    medium_imported = _worker(
        ctx,
        {"kind": "import", "slug": "bench-import", "path": str(WORK / "medium.zip")},
        database_url=medium_import_url,
    )
    whole_seconds = _pg_dump_whole(ctx, WORK / "whole.dump")
    _drop(ctx, import_db)

    bundle_rows = sum(export["counts"].values())
    if export["counts"] != rows:
        report.note(
            f"The bundle's counts differ from the tables' rows: "
            f"{ {e: (c, rows.get(e)) for e, c in export['counts'].items() if rows.get(e) != c} }"
        )
    _check_import(imported, export["counts"])
    _check_import(medium_imported, medium["counts"])

    dump_rate = total_rows / dump["seconds"]
    baseline = report.add("pg_dump_rows_per_s", dump_rate, "rows/s")
    report.add(
        "export_rate_vs_pg_dump", bundle_rows / export["seconds"], "rows/s",
        baseline=baseline, target=Target("ratio", ">=", RATE_TARGET),
    )  # fmt: skip
    medium_peak = report.add("export_peak_rss_medium_mb", medium["peak_rss_mb"], "MB")
    report.add(
        "export_peak_rss_mb", export["peak_rss_mb"], "MB",
        baseline=medium_peak, target=Target("value", "<", RSS_TARGET_MB),
    )  # fmt: skip
    report.add(
        "import_rows_per_s", bundle_rows / imported["seconds"], "rows/s",
        target=Target("value", ">=", IMPORT_TARGET),
    )  # fmt: skip
    medium_import_peak = report.add(
        "import_peak_rss_medium_mb", medium_imported["peak_rss_mb"], "MB"
    )
    report.add("import_peak_rss_mb", imported["peak_rss_mb"], "MB", baseline=medium_import_peak)
    # CPU seconds (client + PostgreSQL backend) hardly depend on what else the machine runs,
    # so rows per CPU-second compare between runs on a busy machine where rows/s do not.
    export_cpu = export["cpu_s"] + (export["db_cpu_s"] or 0)
    import_cpu = imported["cpu_s"] + (imported["db_cpu_s"] or 0)
    dump_cpu = report.add(
        "pg_dump_rows_per_cpu_s", total_rows / (dump["cpu_s"] + dump["db_cpu_s"]), "rows/s"
    )
    report.add(
        "export_rows_per_cpu_s_vs_pg_dump", bundle_rows / export_cpu, "rows/s", baseline=dump_cpu
    )
    report.add("import_rows_per_cpu_s", bundle_rows / import_cpu, "rows/s")
    report.add("rows", bundle_rows, "rows")
    report.add("link_rows", link_rows, "rows")
    report.add("pg_dump_s", dump["seconds"], "s")
    report.add("export_s", export["seconds"], "s")
    report.add("import_s", imported["seconds"], "s")
    report.add("export_cpu_s", export["cpu_s"], "s")
    if export["db_cpu_s"] is not None:
        report.add("export_db_cpu_s", export["db_cpu_s"], "s")
    report.add("import_cpu_s", imported["cpu_s"], "s")
    if imported["db_cpu_s"] is not None:
        report.add("import_db_cpu_s", imported["db_cpu_s"], "s")
    report.add("pg_dump_cpu_s", dump["cpu_s"], "s")
    report.add("pg_dump_db_cpu_s", dump["db_cpu_s"], "s")
    report.add("bundle_mb", export["bytes"] / 2**20, "MB")
    report.add("pg_dump_mb", dump["bytes"] / 2**20, "MB")
    report.add("pg_dump_whole_database_s", whole_seconds, "s")
    entries, unpacked = _bundle_entries(bundle)

    report.note(
        f"Rows: the {len(tables)} entity types the bundle declares, {bundle_rows:,} records "
        f"(medium demo: {sum(medium_rows.values()):,}); their {link_rows:,} many-to-many link "
        "rows are written by both sides but not counted. Largest: "
        + ", ".join(f"{e} {c:,}" for e, c in sorted(rows.items(), key=lambda i: -i[1])[:5])
        + "."
    )
    report.note(
        f"Baseline: `pg_dump --format=custom` (zlib, as the bundle's ZIP is deflated) of only "
        f"the {dump['tables']} tables the bundle holds (entities and link tables), "
        f"{dump['bytes'] / 2**20:,.1f} MB in {dump['seconds']:.1f} s wall (median of "
        f"{', '.join(f'{s:.2f}' for s in dump['all_seconds'])} s), {dump['cpu_s']:.1f} s CPU "
        f"in pg_dump and {dump['db_cpu_s']:.1f} s in its PostgreSQL backend; the whole database "
        f"takes {whole_seconds:.1f} s, not the baseline, since part of it is not in the bundle."
    )
    report.note(
        f"Export: `export_bundle(scope='workspace')` of the large demo in a fresh process "
        f"(production settings), {export['seconds']:.1f} s wall for the call (process "
        f"{export['process_seconds']:.1f} s with Django's start-up), {export['cpu_s']:.1f} s "
        f"CPU in Python, {export['db_cpu_s'] or 0:.1f} s in its PostgreSQL backend; bundle "
        f"{export['bytes'] / 2**20:,.1f} MB ({entries} files, {unpacked / 2**20:,.0f} MB "
        f"unpacked). Peak RSS {export['peak_rss_mb']:,.0f} MB (after Django set-up: "
        f"{export['setup_rss_mb']:,.0f} MB); highest phases: {_phases(export['phases'])}. "
        f"Slowest phases: {_slowest(export['phases'])}."
    )
    report.note(
        f"Memory flatness: the medium demo's export ({sum(medium['counts'].values()):,} rows) "
        f"peaked at {medium['peak_rss_mb']:,.0f} MB, the large demo's ({bundle_rows:,} rows) at "
        f"{export['peak_rss_mb']:,.0f} MB. Its import: {medium_imported['peak_rss_mb']:,.0f} MB "
        f"for the medium bundle, {imported['peak_rss_mb']:,.0f} MB for the large one."
    )
    report.note(
        f"Import: `import_bundle(policy='skip')` of that bundle into a new workspace of a fresh, "
        f"migrated, empty database (the bench database already holds the bundle's ids), in a "
        f"fresh process: {imported['seconds']:.1f} s wall (validation, then one transaction), "
        f"{imported['cpu_s']:.1f} s CPU in Python, {imported['db_cpu_s'] or 0:.1f} s in its "
        f"PostgreSQL backend, peak RSS {imported['peak_rss_mb']:,.0f} MB; highest phases: "
        f"{_phases(imported['phases'])}. Slowest phases: {_slowest(imported['phases'])}. "
        "The counts written were checked against the bundle's."
    )
    report.note(
        "Channel facts (Parquet) are left out on both sides: they are files, not database rows "
        "(pg_dump does not hold them), and the demo's live in the temporary data directory of "
        "the run that loaded it, so a reused database has none; every worker gets an empty "
        "channel store, so runs compare."
    )
    if busy is not None:
        noisy = busy >= ctx.settings.quiet_limit
        report.note(
            f"Other processes used {busy:.0%} of the CPUs just before measuring"
            + (" (more than wanted: the figures are pessimistic)" if noisy else "")
            + f"; load average (1/5/15 min) {load_before} before, {load_after} after."
        )
    report.context.update(
        setup=(
            f"PostgreSQL `{ctx.settings.db_name}` (large demo: {database.describe()}), "
            f"medium demo in `{ctx.settings.db_name}{MEDIUM_DB_SUFFIX}`, import into a fresh "
            f"`{import_db}`; export and import each in a fresh Python process"
        )
    )
    if os.environ.get("ECOSYS_BENCH_BUNDLE_PROFILE") == "1":
        _profile(ctx, slug, bundle, import_db)


if __name__ == "__main__" and sys.argv[1:2] == ["worker"]:
    worker_main(json.loads(sys.argv[2]))
