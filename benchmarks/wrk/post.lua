-- POST /api/v1/BatchTask with the BatchTaskInfo `batchctl apply` sends for the first task of section 6's manifest
-- (a ParameterObject is a string dictionary, api.md v3: a body the emulator refuses would measure its 400s).
wrk.method = "POST"
wrk.path = "/api/v1/BatchTask"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"Name":"Import EU shard 1 of 1000","AssociateId":0,"IsSystemTask":true,"IsInternalTask":false,"ParameterObject":{"kind":"import","region":"eu","shard":"1","record":"100010","sourceBucket":"crm-prod-eu","sourcePrefix":"eu/000001/","batchSize":"500","dryRun":"false","notify":"crm-oncall,data-team","priority":"1"},"DatabaseSerialNumber":"706323","Context":"batchctl/bench/prod","Description":"Shard 1 of eu (prod), 1000 shards in all","Request":"region=eu&shard=1&rows=500","FileName":"imports/eu/shard-000001.csv","CancellationBehaviour":"CanCancel"}'
