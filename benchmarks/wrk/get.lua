-- GET /api/v1/BatchTask/{id} for ids drawn uniformly from 1..N (wrk ... -- N), as refresh and drift read tasks.
local maxId = 1

function init(args)
  maxId = tonumber(args[1]) or 1
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8)) or 0))
end

function request()
  return wrk.format("GET", "/api/v1/BatchTask/" .. math.random(1, maxId))
end
