-- create: POST a draft project whose title varies with every request (thread
-- id and counter), the rest of the body from wrk/project.json (wrk.body).
local counter, tag = 0, tostring(math.random(1, 1e9))
local template = wrk.body

function init(args)
  tag = tostring({}):match("0x(%x+)") or tag
end

function request()
  counter = counter + 1
  local body = template:gsub("BENCH_TITLE", "Obra bench " .. tag .. "-" .. counter, 1)
  return wrk.format("POST", nil, nil, body)
end
