-- wrk script: every request cancels a different job, the jobs spread over several shares (and printers): job id
-- x belongs to share number x % n of BENCH_SHARES (comma-separated), as scripts/bench.sh seeds them.
-- Env: BENCH_SHARES, BENCH_FIRST_ID, BENCH_TOKEN, BENCH_THREADS.
local shares = {}
for s in string.gmatch(os.getenv("BENCH_SHARES"), "[^,]+") do table.insert(shares, s) end
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
  local share = shares[(id % #shares) + 1]
  return wrk.format("POST", "/v1.0/print/shares/" .. share .. "/jobs/" .. id .. "/cancel",
    {["Authorization"] = "Bearer " .. token, ["Content-Length"] = "0"}, nil)
end

function response(status, headers, body)
  if status ~= 204 then io.stderr:write("unexpected status " .. status .. "\n") end
end

function done(summary, latency, requests)
  io.write(string.format("latency-us %d %d %d\n", latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
