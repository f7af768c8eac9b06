-- wrk script: every request cancels a different job. Thread t of n takes ids first+t, first+t+n, …
-- Env: BENCH_PATH_PREFIX (e.g. /v1.0/print/shares/S/jobs/), BENCH_FIRST_ID, BENCH_TOKEN, BENCH_THREADS.
local prefix = os.getenv("BENCH_PATH_PREFIX")
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

function request()
  local id = next_id
  next_id = next_id + step
  return wrk.format("POST", prefix .. id .. "/cancel", {["Authorization"] = "Bearer " .. token, ["Content-Length"] = "0"}, nil)
end

function response(status, headers, body)
  if status ~= 204 then
    io.stderr:write("unexpected status " .. status .. "\n")
  end
end

function done(summary, latency, requests)
  io.write(string.format("latency-us %d %d %d\n", latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
