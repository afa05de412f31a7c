-- scale: the public list of one municipality per request, cycling over the
-- 2,500 tenants the tenants-2500 data set wrote to <state>/run/scale-slugs.txt.
-- Requests are pre-built in init(); each thread starts at a different offset.
local requests, n = {}, 0

function init(args)
  local dir = os.getenv("CABILDO_STATE_DIR") or "bench/.state"
  local f = assert(io.open(dir .. "/run/scale-slugs.txt", "r"))
  local rest = wrk.path:match("^/v1/tenants/[^/]+(/.*)$")
  for slug in f:lines() do
    if slug ~= "" then
      requests[#requests + 1] = wrk.format(nil, "/v1/tenants/" .. slug .. rest)
    end
  end
  f:close()
  assert(#requests > 0, "scale.lua: no tenant slugs")
  n = (tonumber(tostring({}):match("0x(%x+)") or "0", 16) or 0) % #requests
end

function request()
  n = n % #requests + 1
  return requests[n]
end
