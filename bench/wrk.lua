-- The wrk side of `make bench`. bench/run.py prepends either `requests = { {method, path, headers,
-- body}, ... }` (cycled through, one entry per user or target row, so the load spreads over many
-- users instead of hammering one row) or a `make_request(n)` function that builds request n (set
-- logging: every request appends a new set). `wrk ... -- <offset>` starts the numbering at
-- offset, so a measured run continues where its warm-up stopped. One wrk thread drives every
-- connection (it needs a fraction of a core); at the end it prints one JSON line for run.py.

local prepared = {}
local counter = 0

function init(args)
  counter = tonumber(args[1] or "0") - 1
  if make_request == nil then
    for i, r in ipairs(requests) do
      prepared[i] = wrk.format(r.method, r.path, r.headers, r.body)
    end
  end
end

function request()
  counter = counter + 1
  if make_request ~= nil then
    return make_request(counter)
  end
  return prepared[(counter % #prepared) + 1]
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d, ' ..
    '"timeouts": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, errors.status, errors.connect + errors.read + errors.write,
    errors.timeout, latency:percentile(50), latency:percentile(99)
  ))
end
