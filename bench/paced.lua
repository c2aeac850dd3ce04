-- wrk script: requests at an offered rate rather than as fast as answers come back, so
-- latency is the time a request takes, not its wait in a queue at saturation. Each
-- connection waits an exponentially distributed pause between an answer and its next
-- request, so the connections together arrive about as a Poisson stream of BENCH_RATE
-- requests a second (BENCH_CONNECTIONS connections, 64 by default). With BENCH_PATHS,
-- each request takes the next path of that list, as bench/paths.lua does.
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  local rate = tonumber(os.getenv("BENCH_RATE") or "1000")
  local connections = tonumber(os.getenv("BENCH_CONNECTIONS") or "64")
  mean_ms = 1000 * connections / rate
  math.randomseed(id * 7919 + os.time())
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
end

function delay()
  return -mean_ms * math.log(1 - math.random())
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
