-- wrk script: each request takes the next path of a list (one per line, from the file
-- in BENCH_PATHS), threads interleaved, so no path is asked twice in a run (every
-- request a first visit: the long tail) until the list runs out, then it wraps.
-- Without BENCH_PATHS, every request asks wrk's own URL.
-- With BENCH_RATE, requests come at that offered rate rather than as fast as answers
-- come back: each connection waits an exponentially distributed pause between an
-- answer and its next request, so the connections (BENCH_CONNECTIONS, 64 by default)
-- arrive together about as a Poisson stream, and latency is the time a request takes,
-- not its wait in a queue at saturation.
local counter = 0
local rate = tonumber(os.getenv("BENCH_RATE") or "")

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  paths = nil
  local file = os.getenv("BENCH_PATHS")
  if file and file ~= "" then
    paths = {}
    for line in io.lines(file) do
      paths[#paths + 1] = line
    end
    stride = tonumber(os.getenv("BENCH_THREADS") or "2")
    at = id
  end
  if rate then
    mean_ms = 1000 * tonumber(os.getenv("BENCH_CONNECTIONS") or "64") / rate
    math.randomseed(id * 7919 + os.time())
  end
end

-- Defined only when pacing: wrk waits on a timer before every request once a script
-- has `delay`, even one returning 0.
if rate then
  function delay()
    return -mean_ms * math.log(1 - math.random())
  end
end

function request()
  if not paths then
    return wrk.format()
  end
  local path = paths[at]
  at = at + stride
  if at > #paths then at = id end
  return wrk.format("GET", path)
end
