-- Stores tasks for the "with N stored tasks" runs: POSTs like post.lua, each thread stopping after its share
-- (wrk ... -- SHARE); the requests in flight at that moment still land, so a few more than asked may be stored.
wrk.method = "POST"
wrk.path = "/api/v1/BatchTask"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"Name":"Preloaded task","AssociateId":0,"DetailsTable":7,"DatabaseSerialNumber":"706323",'
  .. '"CancellationBehaviour":"CanCancel","ParameterObject":{"kind":"import","region":"eu"}}'

local share = 0
local answered = 0

function init(args)
  share = tonumber(args[1]) or 0
end

function response(status, headers, body)
  answered = answered + 1
  if answered >= share then
    wrk.thread:stop()
  end
end
