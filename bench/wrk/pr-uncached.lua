-- pr-search-uncached, pr-search-state-uncached: the same search on every
-- request, never answered from the public cache. The cache key is the request
-- (declared query parameters as sent), so each request spells q with another
-- pattern of upper- and lower-case letters ("licencia construccion",
-- "Licencia construccion", "lIcencia construccion", ...: 2^20 spellings of
-- its 20 letters). The work does not change: the search lower-cases q
-- (plainto_tsquery over the unaccent + Spanish configuration, lower(unaccent(q))
-- for the name's similarity), so every spelling runs the same SQL to the same
-- rows and answers the same bytes. Each wrk thread starts at a different
-- pattern (from its table address) and walks them in order; the run prints
-- the public cache's misses, which should be about the request count.
local prefix, q, suffix
local letters = {}
local n, span = 0, 1

function init(args)
  prefix, q, suffix = wrk.path:match("^(.-[?&]q=)([^&]*)(.*)$")
  assert(prefix, "pr-uncached.lua: the path has no q=")
  q = q:gsub("%%20", " ")
  for i = 1, #q do
    if q:sub(i, i):match("%a") then letters[#letters + 1] = i end
  end
  assert(#letters >= 16, "pr-uncached.lua: q needs at least 16 ASCII letters")
  span = 2 ^ #letters
  n = (tonumber(tostring({}):match("0x(%x+)") or "0", 16) or 0) % span
end

function request()
  n = (n + 1) % span
  local chars, mask = {}, n
  for i = 1, #q do chars[i] = q:sub(i, i) end
  for _, at in ipairs(letters) do
    if mask % 2 == 1 then chars[at] = chars[at]:upper() end
    mask = math.floor(mask / 2)
  end
  local spelled = table.concat(chars):gsub(" ", "%%20")
  return wrk.format(nil, prefix .. spelled .. suffix)
end
