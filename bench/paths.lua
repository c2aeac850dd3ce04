-- wrk script: each request takes the next path of a list (one per line, from the file
-- in BENCH_PATHS), threads interleaved, so no path is asked twice in a run (every
-- request a first visit: the long tail) until the list runs out, then it wraps.
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  thread:set("stride", 0)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(os.getenv("BENCH_PATHS")) do
    paths[#paths + 1] = line
  end
  stride = tonumber(os.getenv("BENCH_THREADS") or "2")
  at = id
end

function request()
  local path = paths[at]
  at = at + stride
  if at > #paths then at = id end
  return wrk.format("GET", path)
end
