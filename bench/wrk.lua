-- wrk script for bench/loadgen.py: rotates among the paths given after `--`, counts every
-- response outside 2xx (wrk itself only counts >= 400, so redirects to the login page would
-- pass unnoticed), and prints one machine-readable summary line with p50/p75/p90/p95/p99.

local requests_ = {}
local next_index = 0
non2xx = 0
first_bad_status = 0

local threads = {}

function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

function init(args)
  local paths = {}
  for _, path in ipairs(args) do
    table.insert(paths, path)
  end
  if #paths == 0 then
    table.insert(paths, wrk.path)
  end
  for i, path in ipairs(paths) do
    requests_[i] = wrk.format(nil, path)
  end
  -- threads start at different paths so that every path gets its share from the start
  next_index = (thread_number or 0) % #requests_
end

function request()
  next_index = next_index % #requests_ + 1
  return requests_[next_index]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if first_bad_status == 0 then
      first_bad_status = status
    end
  end
end

function done(summary, latency, requests)
  local bad, first = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("non2xx") or 0)
    if first == 0 then
      first = thread:get("first_bad_status") or 0
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH-WRK {"requests": %.0f, "duration_us": %.0f, "bytes": %.0f, "non2xx": %.0f, '
      .. '"first_bad_status": %.0f, "errors": {"connect": %.0f, "read": %.0f, "write": %.0f, '
      .. '"status": %.0f, "timeout": %.0f}, "latency_us": {"mean": %.1f, "stdev": %.1f, '
      .. '"min": %.0f, "max": %.0f, "p50": %.0f, "p75": %.0f, "p90": %.0f, "p95": %.0f, '
      .. '"p99": %.0f}}\n',
    summary.requests, summary.duration, summary.bytes, bad, first,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.stdev, latency.min, latency.max,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(95), latency:percentile(99)
  ))
end
