-- POST /api/v1/BatchTask with a small BatchTaskInfo, as `batchctl apply` sends for a create.
wrk.method = "POST"
wrk.path = "/api/v1/BatchTask"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"Name":"Import EU shard 1 of 10","AssociateId":0,"DetailsTable":7,"DetailsRecord":100010,'
  .. '"IsSystemTask":true,"DatabaseSerialNumber":"706323","Context":"batchctl/bench/prod",'
  .. '"FileName":"imports/eu/shard-000001.csv","CancellationBehaviour":"CanCancel",'
  .. '"ParameterObject":{"kind":"import","region":"eu","shard":1,"options":{"batchSize":500}}}'
