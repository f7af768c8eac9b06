-- wrk script: every request cancels a different job. Thread t of n takes ids first+t, first+t+n, …
-- Env: BENCH_FIRST_ID, BENCH_TOKEN, BENCH_THREADS, and either BENCH_PATH_PREFIX (e.g. /v1.0/print/shares/S/jobs/)
-- or BENCH_SHARES (comma-separated; job id x belongs to share number x % n, as scripts/bench.sh spreads them).
local prefix = os.getenv("BENCH_PATH_PREFIX")
local shares = {}
for s in string.gmatch(os.getenv("BENCH_SHARES") or "", "[^,]+") do table.insert(shares, s) end
local first = tonumber(os.getenv("BENCH_FIRST_ID"))
local token = os.getenv("BENCH_TOKEN")
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

function init(args)
  next_id = first + tid
  step = tonumber(os.getenv("BENCH_THREADS"))
end

local function job_path(id)
  if #shares > 0 then
    return "/v1.0/print/shares/" .. shares[(id % #shares) + 1] .. "/jobs/" .. id
  end
  return prefix .. id
end

function request()
  local id = next_id
  next_id = next_id + step
  return wrk.format("POST", job_path(id) .. "/cancel", {["Authorization"] = "Bearer " .. token, ["Content-Length"] = "0"}, nil)
end

function response(status, headers, body)
  if status ~= 204 then
    io.stderr:write("unexpected status " .. status .. "\n")
  end
end

function done(summary, latency, requests)
  io.write(string.format("latency-us %d %d %d\n", latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
