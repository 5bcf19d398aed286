-- Head-of-line: every 100th request (per wrk thread) goes to /slow (the app
-- sleeps 100 ms), the others to /fast (instant). Each connection waits
-- BENCH_THINK_MS (default 100 ms) between its requests, so the offered load
-- (connections / (think + latency), ~490 req/s with 50 connections) keeps
-- the slow requests at about half of one worker: a fast request always has
-- an idle worker to go to, and its latency shows only whether the server
-- parked it behind a slow one.
--
-- wrk's own latency histogram mixes both kinds, so each request carries its
-- send time (CLOCK_MONOTONIC, µs) and kind in an X-Bench-T header, the app
-- echoes it back, and response() files the latency under fast or slow.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("bench_timespec")

local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
end

-- BENCH_SLOW_EVERY=1000000 sends no slow request at all: the fast latency floor.
local SLOW_EVERY = tonumber(os.getenv("BENCH_SLOW_EVERY") or "100")
local THINK_MS = tonumber(os.getenv("BENCH_THINK_MS") or "100")
local BUCKET_US = 10

-- per thread (each wrk thread has its own Lua state)
counter = 0
fast_hist = {}
slow_hist = {}
fast_n = 0
slow_n = 0
non2xx = 0
unmatched = 0

local req_headers = {}

function request()
  counter = counter + 1
  local slow = counter % SLOW_EVERY == 0
  local kind = slow and "s" or "f"
  req_headers["X-Bench-T"] = kind .. now_us()
  return wrk.format("GET", slow and "/slow" or "/fast", req_headers)
end

function delay()
  return THINK_MS
end

function response(status, headers, body)
  local now = now_us()
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
  local stamp = headers["X-Bench-T"]
  if not stamp then
    for k, v in pairs(headers) do
      if string.lower(k) == "x-bench-t" then stamp = v end
    end
  end
  local sent = stamp and tonumber(string.sub(stamp, 2))
  if not sent then
    unmatched = unmatched + 1
    return
  end
  local bucket = math.floor((now - sent) / BUCKET_US)
  if string.sub(stamp, 1, 1) == "s" then
    slow_hist[bucket] = (slow_hist[bucket] or 0) + 1
    slow_n = slow_n + 1
  else
    fast_hist[bucket] = (fast_hist[bucket] or 0) + 1
    fast_n = fast_n + 1
  end
end

local function merge(into, hist)
  for k, v in pairs(hist) do
    into[k] = (into[k] or 0) + v
  end
end

local function percentiles(hist, n)
  local keys = {}
  for k in pairs(hist) do table.insert(keys, k) end
  table.sort(keys)
  local out = { count = n }
  local wanted = { { "p50", 0.50 }, { "p90", 0.90 }, { "p99", 0.99 }, { "p999", 0.999 } }
  local seen, w = 0, 1
  for _, k in ipairs(keys) do
    seen = seen + hist[k]
    while w <= #wanted and seen >= wanted[w][2] * n do
      out[wanted[w][1]] = (k + 1) * BUCKET_US -- upper edge of the bucket
      w = w + 1
    end
  end
  if #keys > 0 then out.max = (keys[#keys] + 1) * BUCKET_US end
  return out
end

function bench_extra(threads)
  local fast, slow = {}, {}
  local nf, ns, bad, lost = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    merge(fast, thread:get("fast_hist"))
    merge(slow, thread:get("slow_hist"))
    nf = nf + thread:get("fast_n")
    ns = ns + thread:get("slow_n")
    bad = bad + thread:get("non2xx")
    lost = lost + thread:get("unmatched")
  end
  return {
    think_ms = THINK_MS,
    fast_us = percentiles(fast, nf),
    slow_us = percentiles(slow, ns),
    non2xx = bad,
    unmatched = lost,
  }
end
