-- wrk script: POST BENCH_PATH (a jobs collection) with a job configuration; expects 201.
local path = os.getenv("BENCH_PATH")
local token = os.getenv("BENCH_TOKEN")
local body = '{"configuration":{"copies":1}}'
function request()
  return wrk.format("POST", path, {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
  if status ~= 201 then io.stderr:write("unexpected status " .. status .. "\n") end
end
function done(summary, latency, requests)
  io.write(string.format("latency-us %d %d %d\n", latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
