-- Shared by the wrk scripts in bench/: signed-in sessions and a JSON summary.
-- BENCH_SESSIONS: one "cookie|csrf" line per signed-in session (cookie: a whole Cookie header).

local common = {}

function common.sessions()
  local list = {}
  for pair in string.gmatch(os.getenv("BENCH_SESSIONS") or "", "[^\n]+") do
    local cookie, csrf = string.match(pair, "^([^|]*)|?(.*)$")
    list[#list + 1] = { cookie = cookie, csrf = csrf }
  end
  return list
end

-- Give each wrk thread an id so generated values never collide across threads.
local next_id = 0
function common.setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
end

-- One line the runner parses: BENCH_JSON {...} (latencies in microseconds).
function common.done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"mean": %.1f, "p50": %d, "p90": %d, "p99": %d, "max": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max))
end

return common
