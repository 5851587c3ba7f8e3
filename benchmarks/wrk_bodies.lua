-- wrk script for benchmarks.ingest: each thread POSTs the pre-signed requests
-- of its own file (lines: timestamp, v3 signature, body) in order, and the
-- run ends with one JSON line of figures. The signatures are made by the
-- Python driver (wrk's Lua has no HMAC).
local prefix = os.getenv("PCSYNC_BENCH_BODIES")
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(_args)
  bodies = io.open(prefix .. "." .. id, "r")
end

function request()
  local timestamp = bodies:read("*l")
  if timestamp == nil then
    bodies:seek("set", 0)  -- out of bodies: start over (they become duplicates)
    timestamp = bodies:read("*l")
  end
  local signature = bodies:read("*l")
  local body = bodies:read("*l")
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["X-HubSpot-Request-Timestamp"] = timestamp,
    ["X-HubSpot-Signature-v3"] = signature,
  }, body)
end

function done(summary, latency, _requests)
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "p50_ms": %f, "p99_ms": %f, "non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
