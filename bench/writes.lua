-- wrk script: a newsroom's write mix. Each connection creates a story, then publishes
-- the story its last create returned, alternating: create + publish pairs.
local token = os.getenv("BENCH_TOKEN")
local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
local pending = {}
local n = 0

request = function()
  local id = table.remove(pending)
  if id then
    -- Backdated, so the stories the write mix adds never top the lists the reads measure.
    return wrk.format("POST", "/api/v1/articles/" .. id .. "/publish", headers,
      '{"version":1,"publish_at":"2001-01-01T00:00:00Z"}')
  end
  n = n + 1
  local body = '{"headline":"Load story ' .. n .. ' ' .. math.random(1, 1000000000) ..
    '","standfirst":"Written under load","section":"world","body":[' ..
    '{"type":"paragraph","html":"Officials said the plan would be reviewed <em>this week</em>, ' ..
    'and analysts expected markets to react cautiously."},' ..
    '{"type":"paragraph","html":"More details will follow later, a spokesperson confirmed."}]}'
  return wrk.format("POST", "/api/v1/articles", headers, body)
end

response = function(status, headers, body)
  if status == 201 then
    local id = body:match('"id":"(%x+)"')
    if id then table.insert(pending, id) end
  end
end
