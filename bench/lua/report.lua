-- Appended to every wrk script by bench/lib/wrk.mjs: at the end of the run,
-- one line "BENCH_JSON {...}" with wrk's own summary and latency percentiles
-- (microseconds), plus whatever the scenario's script puts in bench_extra().

local bench_threads = {}

function setup(thread)
  table.insert(bench_threads, thread)
end

local function bench_json(value)
  local t = type(value)
  if t == "table" then
    local parts = {}
    if #value > 0 then
      for _, v in ipairs(value) do table.insert(parts, bench_json(v)) end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    for k, v in pairs(value) do
      table.insert(parts, string.format("%q:%s", tostring(k), bench_json(v)))
    end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif t == "number" then
    if value ~= value or value == math.huge or value == -math.huge then return "null" end
    return string.format("%.17g", value)
  elseif t == "string" then
    return string.format("%q", value)
  elseif t == "boolean" then
    return tostring(value)
  end
  return "null"
end

function done(summary, latency, requests)
  local out = {
    duration_us = summary.duration,
    requests = summary.requests,
    bytes = summary.bytes,
    errors = {
      connect = summary.errors.connect,
      read = summary.errors.read,
      write = summary.errors.write,
      status = summary.errors.status,
      timeout = summary.errors.timeout,
    },
    latency_us = {
      mean = latency.mean,
      max = latency.max,
      p50 = latency:percentile(50),
      p90 = latency:percentile(90),
      p99 = latency:percentile(99),
      p999 = latency:percentile(99.9),
    },
  }
  if bench_extra then
    out.extra = bench_extra(bench_threads)
  end
  io.write("BENCH_JSON " .. bench_json(out) .. "\n")
end
