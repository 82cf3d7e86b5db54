"""Drive wrk (Debian's package) with `wrk.lua` and read back throughput and latency percentiles."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from harness import BenchError, require

SCRIPT = Path(__file__).with_name("wrk.lua")
MARKER = "BENCH-WRK "


@dataclass(frozen=True)
class Load:
    connections: int = 16
    threads: int = 2
    duration: int = 10  # seconds
    timeout: int = 10  # seconds; a request slower than this counts as an error


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    rps: float
    latency_ms: dict[str, float]  # mean, stdev, min, max, p50, p75, p90, p95, p99
    non2xx: int
    errors: dict[str, int]

    @property
    def p50_ms(self) -> float:
        return self.latency_ms["p50"]

    @property
    def p95_ms(self) -> float:
        return self.latency_ms["p95"]

    def summary(self) -> str:
        lat = self.latency_ms
        return (
            f"{self.rps:8.1f} req/s  p50 {lat['p50']:6.1f} ms  p95 {lat['p95']:6.1f} ms  "
            f"p99 {lat['p99']:6.1f} ms  ({self.requests:,} requests)"
        )


def run_wrk(
    base_url: str, paths: list[str], headers: dict[str, str], load: Load, *, warmup: bool = False
) -> WrkResult:
    """Load `paths` (rotated) for `load.duration` seconds; any non-2xx or socket error fails."""
    command = [
        require("wrk"),
        "--connections", str(load.connections),
        "--threads", str(load.threads),
        "--duration", f"{load.duration}s",
        "--timeout", f"{load.timeout}s",
        "--latency",
        "--script", str(SCRIPT),
    ]  # fmt: skip
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    command += [f"{base_url}{paths[0]}", "--", *paths]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in completed.stdout.splitlines() if line.startswith(MARKER)]
    if completed.returncode != 0 or not lines:
        output = completed.stdout + completed.stderr
        raise BenchError(f"wrk failed ({completed.returncode}):\n{output}")
    data = json.loads(lines[-1][len(MARKER) :])
    seconds = data["duration_us"] / 1e6
    result = WrkResult(
        requests=int(data["requests"]),
        seconds=seconds,
        rps=data["requests"] / seconds if seconds else 0.0,
        latency_ms={key: value / 1000 for key, value in data["latency_us"].items()},
        non2xx=int(data["non2xx"]),
        errors={key: int(value) for key, value in data["errors"].items()},
    )
    where = paths[0] + (f" (+{len(paths) - 1} more)" if len(paths) > 1 else "")
    if result.non2xx:
        raise BenchError(
            f"{where}: {result.non2xx:,} of {result.requests:,} responses were not 2xx (the first"
            f" was {data['first_bad_status']}); a benchmark of those is worthless"
        )
    if any(result.errors.values()):
        raise BenchError(f"{where}: wrk reported socket errors {result.errors}")
    if not result.requests and not warmup:
        raise BenchError(f"{where}: no requests completed")
    return result


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, headers: dict[str, str], *, expect: str | None = None) -> str:
    """GET once without following redirects: it must be a 200 and contain `expect`."""
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback http only
    try:
        with _opener.open(request, timeout=30) as response:
            status, body = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode("utf-8", "replace")
    if status != 200:
        raise BenchError(f"GET {url} answered {status}, not 200:\n{body[:500]}")
    if expect is not None and expect not in body:
        raise BenchError(f"GET {url} does not contain {expect!r}:\n{body[:500]}")
    return body
