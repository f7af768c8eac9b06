-- wrk script: authenticated GET of BENCH_PATH (BENCH_TOKEN).
local path = os.getenv("BENCH_PATH")
local token = os.getenv("BENCH_TOKEN")
function request()
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token}, nil)
end
function response(status, headers, body)
  if status ~= 200 then io.stderr:write("unexpected status " .. status .. "\n") end
end
function done(summary, latency, requests)
  io.write(string.format("latency-us %d %d %d\n", latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
