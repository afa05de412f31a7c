-- item: GET one project by id, cycling over the ids of durango's projects
-- that the `projects` data set wrote to <state>/run/project-ids.txt.
-- Requests are pre-built in init(); each thread starts at a different offset.
local requests, n = {}, 0

function init(args)
  local dir = os.getenv("CABILDO_STATE_DIR") or "bench/.state"
  local f = assert(io.open(dir .. "/run/project-ids.txt", "r"))
  local prefix = wrk.path:match("^(.*/projects/)")
  for id in f:lines() do
    if id ~= "" then
      requests[#requests + 1] = wrk.format(nil, prefix .. id)
    end
  end
  f:close()
  assert(#requests > 0, "item.lua: no project ids")
  n = (tonumber(tostring({}):match("0x(%x+)") or "0", 16) or 0) % #requests
end

function request()
  n = n % #requests + 1
  return requests[n]
end
