"""Benchmark `pages`: the main list/detail pages and the list API against a trivial view.

All four endpoints are served by the same gunicorn in the same run, one after the other, each
after a warm-up; the trivial view (`/-/ping`, the whole middleware stack and nothing else) is
measured first and again last, and its mean is the baseline the ratios divide by.
"""

from __future__ import annotations

import json
import re
import resource
from dataclasses import dataclass, replace

from harness import (
    BENCH_USER,
    BenchError,
    Context,
    cpu_used,
    load_average,
    log,
    wait_until_quiet,
)
from loadgen import Load, WrkResult, fetch, run_wrk
from results import Report, Target

COUNT_CAP = 1_000  # ecosys.core.listing.COUNT_CAP (bench/ runs outside Django)

P95_TARGET_MS = 150.0
ORG_LIST_RATIO = 0.10
API_LIST_RATIO = 0.25
DETAIL_LINK = re.compile(r"/organizations/[0-9a-f-]{36}/")


@dataclass(frozen=True)
class Endpoint:
    key: str
    paths: list[str]
    headers: dict[str, str]


def _preflight(ctx: Context, endpoints: dict[str, Endpoint]) -> dict[str, str]:
    """One request each, checked by eye-catching content, so wrk measures the real page."""
    base = ctx.server.base_url
    facts: dict[str, str] = {}
    fetch(f"{base}/-/ping", {}, expect="ok")
    org_list = endpoints["org_list"]
    body = fetch(f"{base}{org_list.paths[0]}", org_list.headers, expect="result")
    if len(DETAIL_LINK.findall(body)) < 20:
        raise BenchError("the organisation list page shows fewer than 20 organisations")
    facts["org_list_bytes"] = f"{len(body.encode()):,}"
    detail = endpoints["org_detail"]
    sizes = [len(fetch(f"{base}{path}", detail.headers).encode()) for path in detail.paths]
    facts["org_detail_bytes"] = f"{min(sizes):,}-{max(sizes):,}"
    api = endpoints["api_list"]
    body = fetch(f"{base}{api.paths[0]}", api.headers)
    data = json.loads(body)
    count = data.get("count", 0)
    items = data.get("results", [])
    # The API counts exactly up to COUNT_CAP rows and says "count_exact: false" beyond.
    expected = min(ctx.database.organizations, COUNT_CAP)
    if (
        count < expected
        or not items
        or data.get("count_exact") != (count == ctx.database.organizations)
    ):
        raise BenchError(f"the list API shows {count:,} organisations and {len(items)} items")
    facts["api_list_items"] = str(len(items))
    facts["api_list_bytes"] = f"{len(body.encode()):,}"
    return facts


@dataclass(frozen=True)
class Measured:
    wrk: WrkResult
    app_cpu_ms: float  # gunicorn workers, per request
    db_cpu_ms: float  # their PostgreSQL backends, per request
    wrk_cpu_ms: float  # the load generator itself, per request

    @property
    def server_cpu_ms(self) -> float:
        return self.app_cpu_ms + self.db_cpu_ms


def _measure(ctx: Context, endpoint: Endpoint, load: Load, warmup: int) -> Measured:
    base = ctx.server.base_url
    if warmup:
        run_wrk(base, endpoint.paths, endpoint.headers, replace(load, duration=warmup), warmup=True)
    before, wrk_before = ctx.server_cpu(), _children_cpu()
    result = run_wrk(base, endpoint.paths, endpoint.headers, load)
    used = cpu_used(before, ctx.server_cpu())
    wrk_cpu = _children_cpu() - wrk_before
    per_request = [seconds * 1000 / result.requests for seconds in (*used.values(), wrk_cpu)]
    measured = Measured(result, *per_request)
    log(
        f"{endpoint.key:<12} {result.summary()}  CPU ms/req: app {measured.app_cpu_ms:.2f}, "
        f"db {measured.db_cpu_ms:.2f}, wrk {measured.wrk_cpu_ms:.2f}"
    )
    return measured


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(ctx: Context, report: Report) -> None:
    settings = ctx.settings
    auth = ctx.auth
    detail_paths = [f"/organizations/{public_id}/" for public_id in auth.detail_ids]
    endpoints = {
        endpoint.key: endpoint
        for endpoint in [
            Endpoint("trivial", ["/-/ping"], {}),
            Endpoint("org_list", ["/organizations/"], auth.cookie_headers),
            Endpoint("org_detail", detail_paths, auth.cookie_headers),
            Endpoint("api_list", ["/api/v1/organizations"], auth.bearer_headers),
        ]
    }
    facts = _preflight(ctx, endpoints)
    busy = wait_until_quiet(settings.quiet_limit, settings.quiet_wait)
    load_before = load_average()
    load = Load(settings.connections, settings.threads, settings.duration)
    first_trivial = _measure(ctx, endpoints["trivial"], load, settings.warmup)
    measured = {
        key: _measure(ctx, endpoints[key], load, settings.warmup)
        for key in ("org_list", "org_detail", "api_list")
    }
    last_trivial = _measure(ctx, endpoints["trivial"], load, 0)
    load_after = load_average()

    trivial_rps = (first_trivial.wrk.rps + last_trivial.wrk.rps) / 2
    baseline = report.add("trivial_rps", trivial_rps, "req/s")
    ratio_targets = {
        "org_list": Target("ratio", ">=", ORG_LIST_RATIO),
        "api_list": Target("ratio", ">=", API_LIST_RATIO),
    }
    for key, result in measured.items():
        report.add(
            f"{key}_rps_vs_trivial", result.wrk.rps, "req/s",
            baseline=baseline, target=ratio_targets.get(key),
        )  # fmt: skip
    p95 = Target("value", "<", P95_TARGET_MS)
    for key, result in [("trivial", first_trivial), *measured.items()]:
        report.add(f"{key}_p50_ms", result.wrk.p50_ms, "ms")
        target = None if key == "trivial" else p95
        report.add(f"{key}_p95_ms", result.wrk.p95_ms, "ms", target=target)
    # CPU per request of the server side (gunicorn + PostgreSQL): robust on a busy machine.
    trivial_cpu = (first_trivial.server_cpu_ms + last_trivial.server_cpu_ms) / 2
    cpu_baseline = report.add("trivial_server_cpu_ms", trivial_cpu, "ms/req")
    for key, result in measured.items():
        report.add(f"{key}_server_cpu_ms", result.server_cpu_ms, "ms/req", baseline=cpu_baseline)

    spread = abs(first_trivial.wrk.rps - last_trivial.wrk.rps) / trivial_rps
    report.note(
        f"Baseline `/-/ping` (the full middleware stack, no database query) measured before and "
        f"after the others: {first_trivial.wrk.rps:,.0f} and {last_trivial.wrk.rps:,.0f} req/s "
        f"({spread:.0%} apart); `trivial_rps` is their mean."
        + (" More than 10% apart: the machine was busy, rerun." if spread > 0.10 else "")
    )
    if busy is not None:
        noisy = busy >= settings.quiet_limit
        report.note(
            f"Other processes used {busy:.0%} of the CPUs just before measuring"
            + (" (more than wanted: the figures are pessimistic)" if noisy else "")
            + f"; load average (1/5/15 min) {load_before} before, {load_after} after."
        )
    report.note(
        f"Org list: `/organizations/` (page of 25 of {ctx.database.organizations:,}, sorted by "
        f"name, count capped at {COUNT_CAP:,}; {facts['org_list_bytes']} bytes) as `{BENCH_USER}` "
        "(orchestrator staff) with a session cookie."
    )
    report.note(
        f"Org detail: {len(auth.detail_ids)} distributors' pages in rotation "
        f"({min(auth.detail_relationships)}-{max(auth.detail_relationships)} relationships each; "
        f"{facts['org_detail_bytes']} bytes)."
    )
    report.note(
        f"List API: `/api/v1/organizations` (default page, {facts['api_list_items']} items, "
        f"{facts['api_list_bytes']} bytes) with a read-scope bearer token of the same user."
    )
    report.note(
        "`*_server_cpu_ms`: CPU time of the gunicorn workers and their PostgreSQL backends per "
        "request (from /proc), whose ratio to the trivial view's hardly depends on other load. "
        f"wrk itself used {first_trivial.wrk_cpu_ms:.2f} ms of CPU per trivial request, "
        f"{measured['org_list'].wrk_cpu_ms:.2f} ms per org list request."
    )
    report.note(
        "Every response was checked to be 2xx (a wrk Lua `response` hook counts anything else and "
        "the run fails); p50/p95 come from wrk's latency histogram via `latency:percentile()`."
    )
    report.context.update(
        setup=(
            f"gunicorn {ctx.server.workers} sync workers, production settings, PostgreSQL "
            f"`{settings.db_name}` (large demo: {ctx.database.describe()}); "
            f"wrk {settings.connections} connections, "
            f"{settings.threads} threads, {settings.duration} s per endpoint after a "
            f"{settings.warmup} s warm-up, on loopback"
        )
    )
