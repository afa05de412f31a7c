-- wrk script used for every bench/run measurement (Cabildo and the nginx
-- ceiling alike). It shapes the request from the environment, optionally
-- loads a scenario's own script, and at the end writes one JSON object with
-- the numbers bench/run needs, so nothing scrapes wrk's text output.
--
-- Environment (set by bench/run):
--   BENCH_METHOD       request method (default GET)
--   BENCH_BODY_FILE    file whose bytes are the request body (optional)
--   BENCH_WRK_SCRIPT   a scenario script to load first (optional); it may set
--                      wrk.* or define init()/request()/response(), never done()
--   BENCH_STATUS_HOOK  1: count every status code through response(), so
--                      "non-2xx" is exact (wrk then parses every response: ~13%
--                      fewer req/s against nginx); 0 or unset: no hook, and
--                      non-2xx falls back to wrk's own count of statuses > 399
--   BENCH_WRK_OUT      file to write the JSON to (default: stdout, one line
--                      prefixed with "BENCH_JSON ")
-- Request headers come from wrk's own -H options.

local method = os.getenv("BENCH_METHOD")
if method and method ~= "" then wrk.method = method end

local body_file = os.getenv("BENCH_BODY_FILE")
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
end

local extra = os.getenv("BENCH_WRK_SCRIPT")
if extra and extra ~= "" then dofile(extra) end

if done ~= nil then
  error("bench/wrk/report.lua: a scenario script must not define done()")
end

-- Per-thread status counts, read back in done() through thread:get().
bench_status = {}

local hooked = os.getenv("BENCH_STATUS_HOOK") == "1"
if hooked then
  local scenario_response = response
  response = function(status, headers, body)
    bench_status[status] = (bench_status[status] or 0) + 1
    if scenario_response then scenario_response(status, headers, body) end
  end
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local counts, counted, non2xx = {}, 0, 0
  for _, thread in ipairs(threads) do
    local t = thread:get("bench_status") or {}
    for status, n in pairs(t) do
      counts[status] = (counts[status] or 0) + n
      counted = counted + n
      if status < 200 or status > 299 then non2xx = non2xx + 1 * n end
    end
  end
  if not hooked then non2xx = summary.errors.status end

  local parts = {}
  local function add(key, value) table.insert(parts, string.format("%q:%s", key, value)) end
  local function num(v) return string.format("%.17g", v) end
  add("requests", num(summary.requests))
  add("duration_us", num(summary.duration))
  add("bytes", num(summary.bytes))
  add("rps", num(summary.requests / (summary.duration / 1e6)))
  add("non2xx", num(non2xx))
  add("non2xx_exact", hooked and "true" or "false")
  local status_parts = {}
  for status, n in pairs(counts) do
    table.insert(status_parts, string.format("\"%d\":%d", status, n))
  end
  add("status_counts", "{" .. table.concat(status_parts, ",") .. "}")
  local e = summary.errors
  add("errors", string.format(
    "{\"connect\":%d,\"read\":%d,\"write\":%d,\"status_gt_399\":%d,\"timeout\":%d}",
    e.connect, e.read, e.write, e.status, e.timeout))
  add("latency_us", string.format(
    "{\"min\":%s,\"mean\":%s,\"stdev\":%s,\"max\":%s,\"p50\":%s,\"p75\":%s,\"p90\":%s,\"p99\":%s,\"p999\":%s}",
    num(latency.min), num(latency.mean), num(latency.stdev), num(latency.max),
    num(latency:percentile(50)), num(latency:percentile(75)), num(latency:percentile(90)),
    num(latency:percentile(99)), num(latency:percentile(99.9))))
  add("threads", num(#threads))
  local json = "{" .. table.concat(parts, ",") .. "}"

  local out = os.getenv("BENCH_WRK_OUT")
  if out and out ~= "" then
    local f = assert(io.open(out, "w"))
    f:write(json, "\n")
    f:close()
  else
    io.write("BENCH_JSON ", json, "\n")
  end
end
