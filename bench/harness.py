"""What benchmarks stand on: a PostgreSQL database with the large demo, gunicorn, and logins.

A `Context` creates each of these on first use and tears down what it started when the run
ends (its `ExitStack`), so a benchmark asks only for what it needs.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin" if (ROOT / ".venv" / "bin" / "python").exists() else None
PYTHON = str(BIN / "python") if BIN else sys.executable
ECOSYS = [str(BIN / "ecosys")] if BIN else [sys.executable, "-m", "ecosys.cli"]

LARGE_DEMO_ORGANIZATIONS = 100_000
BENCH_USER = "manager@helix.example"  # the orchestrator's channel manager (orchestrator staff)


class BenchError(RuntimeError):
    """A benchmark cannot give a trustworthy figure; the run stops with this message."""


@dataclass(frozen=True)
class Settings:
    pg_server: str = "postgres://postgres@127.0.0.1:5432"
    db_name: str = "ecosys_bench"
    fresh: bool = False
    port: int = 0  # 0: a free port
    workers: int = 2 * (os.cpu_count() or 1) + 1
    duration: int = 10
    warmup: int = 3
    connections: int = 16
    threads: int = 2
    quiet_limit: float = 0.25  # measure once other processes use less than this of the CPUs
    quiet_wait: int = 120  # seconds to wait for that at most
    channel_sizes: tuple[str, ...] = ("1m", "10m", "50m")  # channel_analytics data sizes


def describe_machine() -> str:
    """Cores, CPU model, memory, OS and Python of this machine, in one line."""
    cores = os.cpu_count() or 1
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cores} cores{f' ({model})' if model else ''}{memory}, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Database:
    url: str
    organizations: int
    reloaded: bool
    load_seconds: float | None
    current: bool  # loaded by today's demo generator and migrations (else: --fresh to reload)

    def describe(self) -> str:
        how = f"loaded in this run ({self.load_seconds:.0f} s)" if self.reloaded else "reused"
        if not self.current:
            how += "; WARNING: loaded by an older demo generator or migrations, run with --fresh"
        return f"{self.organizations:,} organisations, {how}"


def _demo_fingerprint() -> str:
    """Hash of what decides the demo database's content: the generator and the migrations."""
    digest = hashlib.sha256()
    package = ROOT / "src" / "ecosys"
    for path in sorted([package / "ecosystem" / "demo.py", *package.glob("*/migrations/0*.py")]):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Server:
    base_url: str
    workers: int
    log_path: Path
    pid: int


@dataclass(frozen=True)
class Auth:
    session_cookie: str  # "name=value", ready for a Cookie header
    token: str
    detail_ids: list[str]  # public ids of distributors with many relationships
    detail_relationships: list[int]  # how many relationships each of those has

    @property
    def cookie_headers(self) -> dict[str, str]:
        return {"Cookie": self.session_cookie}

    @property
    def bearer_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Context:
    def __init__(self, settings: Settings, stack: ExitStack) -> None:
        self.settings = settings
        self.stack = stack
        temporary = tempfile.TemporaryDirectory(prefix="ecosys-bench-")
        self.data_dir = Path(stack.enter_context(temporary))

    # -- environment ------------------------------------------------------------------------

    @cached_property
    def database_url(self) -> str:
        return f"{self.settings.pg_server.rstrip('/')}/{self.settings.db_name}"

    @cached_property
    def env(self) -> dict[str, str]:
        """Production settings against the bench database, as an operator would run them."""
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.database_url,
            ECOSYS_DATA_DIR=str(self.data_dir),
            DJANGO_SETTINGS_MODULE="ecosys.config.settings.production",
            ECOSYS_SECRET_KEY=secrets.token_urlsafe(45)[:60],
            ECOSYS_SSL_REDIRECT="0",
            ECOSYS_ALLOWED_HOSTS="127.0.0.1,localhost",
            ECOSYS_LOG_LEVEL="WARNING",
        )
        return env

    def ecosys(self, *args: str, capture: bool = False, env: dict[str, str] | None = None) -> str:
        """Run the `ecosys` command with the bench environment; fail loudly on error."""
        result = subprocess.run(
            [*ECOSYS, *args],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            text=True,
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.PIPE if capture else None,
            check=False,
        )
        if result.returncode != 0:
            detail = f"\n{result.stdout}\n{result.stderr}" if capture else ""
            raise BenchError(f"`ecosys {' '.join(args)}` failed ({result.returncode}){detail}")
        return result.stdout or ""

    # -- database ---------------------------------------------------------------------------

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(f"{self.settings.pg_server.rstrip('/')}/postgres", autocommit=True)

    def _organization_count(self) -> int:
        """Organisations in the bench database; 0 if it or its tables do not exist."""
        try:
            with psycopg.connect(self.database_url, connect_timeout=5) as conn:
                return conn.execute("SELECT count(*) FROM ecosystem_organization").fetchone()[0]
        except (psycopg.OperationalError, psycopg.errors.UndefinedTable):
            return 0

    def psql(self, query: str | sql.Composable) -> list[tuple]:
        """Run one statement on the bench database (ANALYZE, EXPLAIN, counts)."""
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            cursor = conn.execute(query)
            return cursor.fetchall() if cursor.description else []

    @cached_property
    def database(self) -> Database:
        """The bench database holding the large demo: reused when present, unless --fresh."""
        try:
            with self._admin():
                pass
        except psycopg.OperationalError as error:
            raise BenchError(f"no PostgreSQL at {self.settings.pg_server}: {error}") from None
        count = 0 if self.settings.fresh else self._organization_count()
        reloaded = count < LARGE_DEMO_ORGANIZATIONS
        name = sql.Identifier(self.settings.db_name)
        load_seconds = None
        if reloaded:
            why = "--fresh" if self.settings.fresh else f"{count:,} organisations found"
            log(f"(re)creating database {self.settings.db_name} ({why})")
            with self._admin() as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
                conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
        else:
            log(f"reusing database {self.settings.db_name} ({count:,} organisations)")
        log("migrate, collectstatic")
        self.ecosys("manage", "migrate", "--noinput", "-v", "0")
        self.ecosys("manage", "collectstatic", "--noinput", "-v", "0", capture=True)
        if reloaded:
            log("loading the large demo (takes minutes)")
            started = time.monotonic()
            self.ecosys("demo", "--size", "large")
            load_seconds = time.monotonic() - started
            log(f"demo loaded in {load_seconds:.0f} s")
            count = self._organization_count()
            if count < LARGE_DEMO_ORGANIZATIONS:
                raise BenchError(f"the large demo gave only {count:,} organisations")
            comment = sql.SQL("COMMENT ON DATABASE {} IS {}")
            self.psql(comment.format(name, sql.Literal(f"demo {_demo_fingerprint()}")))
        [(comment,)] = self.psql(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
            " WHERE datname = current_database()"
        )
        current = comment == f"demo {_demo_fingerprint()}"
        if not current:
            log("WARNING: the database was loaded by an older demo generator or migrations")
        # Statistics and the visibility map as a settled database has them (autovacuum would get
        # there too, later): without VACUUM, COUNT(*) cannot use an index-only scan.
        log("VACUUM ANALYZE")
        self.psql("VACUUM ANALYZE")
        return Database(self.database_url, count, reloaded, load_seconds, current)

    # -- server -----------------------------------------------------------------------------

    @cached_property
    def server(self) -> Server:
        """gunicorn serving the production settings on loopback, stopped when the run ends."""
        self.database  # noqa: B018 - the server needs the database and static files first
        port = self.settings.port or _free_port()
        log_path = self.data_dir / "gunicorn.log"
        command = [
            PYTHON, "-m", "gunicorn", "ecosys.config.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(self.settings.workers),
        ]  # fmt: skip
        log(f"starting gunicorn on 127.0.0.1:{port} with {self.settings.workers} workers")
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log_file, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.stack.callback(_stop, process)
        server = Server(f"http://127.0.0.1:{port}", self.settings.workers, log_path, process.pid)
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise BenchError(f"gunicorn exited ({process.returncode}):\n{_tail(log_path)}")
            try:
                health = f"{server.base_url}/-/health"
                with urllib.request.urlopen(health, timeout=2) as response:  # noqa: S310 - http
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise BenchError(f"gunicorn not healthy after 60 s:\n{_tail(log_path)}")
            time.sleep(0.3)
        _wait_for_workers(process.pid, self.settings.workers)
        return server

    def server_cpu(self) -> dict[tuple[str, int], float]:
        """CPU seconds used so far by each gunicorn worker and PostgreSQL backend of the server.

        Unlike throughput, the CPU a request costs hardly depends on what else the machine runs,
        so its difference over a load run, per request, is a figure that survives a busy machine.
        """
        pids = [("app", pid) for pid in _children(self.server.pid)]
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            ).fetchall()
        pids += [("db", pid) for (pid,) in rows]
        return {key: seconds for key in pids if (seconds := _process_cpu(key[1])) is not None}

    def server_log_tail(self) -> str:
        return _tail(self.data_dir / "gunicorn.log")

    # -- logins -----------------------------------------------------------------------------

    @cached_property
    def auth(self) -> Auth:
        """A session for the channel manager, a read token of theirs, and detail pages to hit."""
        self.database  # noqa: B018
        script = AUTH_SCRIPT.replace("__EMAIL__", json.dumps(BENCH_USER))
        output = self.ecosys("manage", "shell", "-c", script, capture=True)
        lines = [line for line in output.splitlines() if line.startswith(AUTH_MARKER)]
        if not lines:
            raise BenchError(f"no credentials from the Django shell:\n{output}")
        data = json.loads(lines[-1][len(AUTH_MARKER) :])
        return Auth(
            session_cookie=f"{data['cookie_name']}={data['session_key']}",
            token=data["token"],
            detail_ids=data["detail_ids"],
            detail_relationships=data["detail_relationships"],
        )


AUTH_MARKER = "BENCH-AUTH "
AUTH_SCRIPT = """
import json
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db.models import Q
from django_scopes import scope

from ecosys.core.access import Actor
from ecosys.core.models import Membership
from ecosys.core.services import token_create
from ecosys.ecosystem.models import EcosystemRole, Organization, Relationship

m = (
    Membership.objects.with_scopes_disabled()
    .select_related("user", "workspace", "organization")
    .get(user__email=__EMAIL__, is_active=True)
)
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = str(m.user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = m.user.get_session_auth_hash()
session.create()
with scope(workspace=m.workspace_id):
    actor = Actor(workspace=m.workspace, user=m.user, membership=m)
    _, raw = token_create(actor=actor, name="bench", scope="read", expires_in_days=1)
    distributors = list(
        Organization.objects.filter(roles__role=EcosystemRole.DISTRIBUTOR).order_by("id")[:8]
    )
    counts = [
        Relationship.objects.filter(Q(source=org) | Q(target=org)).count() for org in distributors
    ]
print(__MARKER__ + json.dumps({
    "cookie_name": settings.SESSION_COOKIE_NAME,
    "session_key": session.session_key,
    "token": raw,
    "detail_ids": [str(org.public_id) for org in distributors],
    "detail_relationships": counts,
}))
""".replace("__MARKER__", repr(AUTH_MARKER))


def _cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def cpu_busy(seconds: float = 2.0) -> float | None:
    """Fraction of all CPUs busy over the next `seconds` (None where /proc/stat is missing)."""
    try:
        busy0, total0 = _cpu_times()
        time.sleep(seconds)
        busy1, total1 = _cpu_times()
    except OSError:
        return None
    return (busy1 - busy0) / (total1 - total0) if total1 > total0 else None


def wait_until_quiet(limit: float, max_wait: float) -> float | None:
    """Wait (up to `max_wait` s) until other processes use under `limit` of the CPUs."""
    deadline = time.monotonic() + max_wait
    busy = cpu_busy()
    while busy is not None and busy >= limit and time.monotonic() < deadline:
        log(f"machine busy ({busy:.0%} CPU used by other processes); waiting for it to calm down")
        busy = cpu_busy(5.0)
    return busy


def load_average() -> str:
    try:
        return " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _children(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in children.split()]


def _process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a process (None if it is gone or there is no /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)"; fields[0] is the state
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_used(before: dict[tuple[str, int], float], after: dict[tuple[str, int], float]):
    """CPU seconds used by "app" and "db" between two `server_cpu()` snapshots."""
    used = {"app": 0.0, "db": 0.0}
    for key, seconds in after.items():
        used[key[0]] += seconds - before.get(key, 0.0)  # a process new since counts whole
    return used


def _wait_for_workers(master_pid: int, workers: int, timeout: float = 30) -> None:
    """Wait until gunicorn has forked all its workers (the first answers before the rest)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(_children(master_pid)) >= workers:
            return
        time.sleep(0.2)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    log("stopping gunicorn")
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def require(tool: str) -> str:
    found = shutil.which(tool)
    if not found:
        raise BenchError(f"`{tool}` is not installed (Debian: apt-get install -y {tool})")
    return found
