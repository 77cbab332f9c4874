import BatchTask
import JSON
import Schedule
import SystemUserLogin
import Testing

@testable import Emulator

@Suite struct ODataTests {
    /// 25 tasks: names "task 01"... with AssociateId 1, 2 or 3 by turns; every fifth a "special" one.
    static func seed(_ client: TestClient) async throws {
        for n in 1...25 {
            let name = n % 5 == 0 ? "special \(n)" : "task \(n < 10 ? "0" : "")\(n)"
            _ = try await client.create(["Name": .string(name), "AssociateId": .int(Int64(n % 3 + 1))])
        }
    }

    func ids(_ reply: Reply) throws -> [Int64] {
        try reply.json["value"]?.arrayValue?.compactMap { $0["PrimaryKey"]?.stringValue.flatMap { Int64($0) } } ?? []
    }

    @Test func topAndSkipPageWithNextLinks() async throws {
        try await withServer { client async throws in
            try await Self.seed(client)
            let first = try await client.get("/api/v1/BatchTask?$top=10")
            #expect(first.status == 200)
            #expect(try ids(first) == Array(1...10))
            #expect(try first.json["odata.metadata"]?.stringValue?.hasSuffix("/api/v1/archive$metadata") == true)
            let next = try #require(try first.json["odata.nextLink"]?.stringValue)
            #expect(next.hasPrefix(client.baseURL + "/api/v1/BatchTask?"))
            let second = try await client.get(String(next.dropFirst(client.baseURL.count)))
            #expect(try ids(second) == Array(11...20))
            let last = try await client.get(String(try #require(try second.json["odata.nextLink"]?.stringValue).dropFirst(client.baseURL.count)))
            #expect(try ids(last) == Array(21...25))
            #expect(try last.json["odata.nextLink"] == nil)
            #expect(try ids(try await client.get("/api/v1/BatchTask?$skip=23")) == [24, 25])
            #expect(try ids(try await client.get("/api/v1/BatchTask?$top=0")) == [])
        }
    }

    @Test func thePageSizeAppliesWithoutTop() async throws {
        try await withServer(testConfiguration(pageSize: 7)) { client async throws in
            try await Self.seed(client)
            var seen: [Int64] = []
            var path: String? = "/api/v1/BatchTask?$filter=AssociateId%20ne%202&$orderBy=Id%20desc"
            var pages = 0
            while let current = path {
                let reply = try await client.get(current)
                seen += try ids(reply)
                path = try reply.json["odata.nextLink"]?.stringValue.map { String($0.dropFirst(client.baseURL.count)) }
                pages += 1
            }
            #expect(pages == 3)
            #expect(seen == (1...25).reversed().filter { $0 % 3 + 1 != 2 }.map(Int64.init))
        }
    }

    @Test func filtersOnNameStateAndAssociate() async throws {
        try await withServer { client async throws in
            try await Self.seed(client)
            func filtered(_ filter: String) async throws -> [Int64] {
                let reply = try await client.get("/api/v1/BatchTask?$filter=" + FormEncoding.escape(filter))
                try #require(reply.status == 200, "\(filter): \(reply.text)")
                return try ids(reply)
            }
            #expect(try await filtered("name eq 'task 07'") == [7])
            #expect(try await filtered("Name ne 'task 07'").count == 24)
            #expect(try await filtered("name begins 'special'") == [5, 10, 15, 20, 25])
            #expect(try await filtered("startswith(Name, 'special 1')") == [10, 15])
            #expect(try await filtered("name contains '2'") == [2, 12, 20, 21, 22, 23, 24, 25])
            #expect(try await filtered("substringof('al 2', name)") == [20, 25])
            #expect(try await filtered("associateId eq 1 and name begins 'task'") == [3, 6, 9, 12, 18, 21, 24])
            #expect(try await filtered("(associateId eq 1 or associateId eq 2) and not (name begins 'task')") == [10, 15, 25])
            #expect(try await filtered("State eq 'Succeeded'").count == 25)
            #expect(try await filtered("State ne 'Succeeded'") == [])
            #expect(try await filtered("Description eq null").count == 25)
            #expect(try await filtered("name begins 'ta*'") == [])
            #expect(try await filtered("name notBegins 'task'") == [5, 10, 15, 20, 25])
            #expect(try await filtered("associateId oneOf(2) and name begins 'special'") == [10, 25])
            #expect(try await filtered("id oneOf(3, 7, 999) or name oneOf('task 01')") == [1, 3, 7])
            #expect(try await filtered("Description oneOf(null, 'x')").count == 25)
            let many = (1...1001).map(String.init).joined(separator: ",")
            let tooMany = try await client.get("/api/v1/BatchTask?$filter=" + FormEncoding.escape("id oneOf(\(many))"))
            #expect(tooMany.status == 400)
            #expect(tooMany.text.contains("at most 1000 values"))
        }
    }

    @Test func orderBySelectAndBadOptions() async throws {
        try await withServer { client async throws in
            try await Self.seed(client)
            let ordered = try await client.get("/api/v1/BatchTask?$orderBy=AssociateId%20desc,name&$top=3&$select=id,Name,associateId")
            let rows = try ordered.json["value"]?.arrayValue ?? []
            #expect(rows.compactMap { $0["PrimaryKey"]?.stringValue.flatMap { Int64($0) } } == [20, 5, 2])
            #expect(rows.first?.objectValue?.keys.elements == ["PrimaryKey", "EntityName", "id", "name", "associateId"])
            #expect(rows.first?["EntityName"] == "batchtask")
            #expect(rows.first?["name"] == "special 20")
            let xml = try await client.get("/api/v1/BatchTask?$top=1&$select=Name", accept: "application/xml")
            #expect(xml.text.contains("<odata.nextLink>"))
            #expect(xml.text.contains("<value><ArchiveRow><PrimaryKey>1</PrimaryKey><EntityName>batchtask</EntityName><name>task 01</name></ArchiveRow></value>"))
            for bad in ["$top=-1", "$skip=x", "$select=Nope", "$orderBy=Name%20sideways", "$filter=Name%20eq", "$filter=Name%20like%20'x'",
                        "$filter=ParameterObject%20eq%20'x'", "$filter=AssociateId%20eq%20'x'", "$filter=name%20eq%20'unclosed"] {
                let reply = try await client.get("/api/v1/BatchTask?" + bad)
                #expect(reply.status == 400, "\(bad)")
                #expect(try reply.json["ErrorType"] == "SoBadRequestException")
            }
        }
    }

    @Test func filterExpressionsCompileToParameterisedSQL() throws {
        let utc = RequestTimeZone(zone: .utc, includesOffset: false, base: .utc)
        let (sql, arguments) = try FilterParser.parse("name eq 'O''Brien' or (AssociateId gt 5 and startswith(name, 'a*b') eq false)").compiled(in: utc)
        #expect(sql == #"("Name" = ? OR ("AssociateId" > ? AND (NOT "Name" GLOB ?)))"#)
        #expect(arguments == ["O'Brien".databaseValue, Int64(5).databaseValue, "a[*]b*".databaseValue])
        // A run of `or` (or of `and`), however it is parenthesised, is one flat SQL expression.
        let flat = try FilterParser.parse("id eq 1 or (id eq 2 or (id eq 3 or id eq 4)) or name eq 'x' and (name eq 'y' and id gt 0)").compiled(in: utc)
        #expect(flat.sql == #"("Id" = ? OR "Id" = ? OR "Id" = ? OR "Id" = ? OR ("Name" = ? AND "Name" = ? AND "Id" > ?))"#)
        let list = try FilterParser.parse("AssociateId oneOf(1, 2, null)").compiled(in: utc)
        #expect(list.sql == #"("AssociateId" IN (?, ?) OR "AssociateId" IS NULL)"#)
        #expect(list.arguments == [Int64(1).databaseValue, Int64(2).databaseValue])
    }
}

@Suite struct ArchiveRowTests {
    @Test func rowsAreArchiveRowsWithDefaultColumns() async throws {
        try await withServer { client async throws in
            let id = try await client.create(["Name": "row", "AssociateId": 7, "IsSystemTask": true])
            let reply = try await client.get("/api/v1/BatchTask")
            let row = try #require(try reply.json["value"]?[0]?.objectValue)
            // api.md v2: PrimaryKey, EntityName and `id,name,state` by default; no BatchTaskInfo properties.
            #expect(row.keys.elements == ["PrimaryKey", "EntityName", "id", "name", "state"])
            // api.md v3: a slim row's PrimaryKey is a JSON string.
            #expect(row["PrimaryKey"] == .string(String(id)))
            #expect(row["id"] == .int(Int64(id)))
            #expect(row["state"] == "Succeeded")
            #expect(row["Name"] == nil)
            // System tasks are rows of the archive too, and every property is a column.
            let wide = try await client.get("/api/v1/BatchTask?$select=isSystemTask,associateId,cancellationBehaviour,description")
            let columns = try #require(try wide.json["value"]?[0]?.objectValue)
            #expect(columns["isSystemTask"] == true)
            #expect(columns["associateId"] == 7)
            #expect(columns["cancellationBehaviour"] == "CanCancel")
            #expect(columns["description"] == .null)
        }
    }

    @Test func datesFilterAndSortAsInstantsNotText() async throws {
        try await withServer { client async throws in
            // As text "2018-06-01T09:30…-05:00" sorts before "2018-06-01T12:00…+00:00", but it is 14:30 UTC.
            let late = try await client.create(["Name": "late", "Created": "2018-06-01T09:30:00-05:00"])
            let early = try await client.create(["Name": "early", "Created": "2018-06-01T12:00:00+00:00"])
            let middle = try await client.create(["Name": "middle", "Created": "2018-06-01T15:00:00+02:00"])
            func ids(_ query: String) async throws -> [Int64] {
                let reply = try await client.get("/api/v1/BatchTask?" + query)
                try #require(reply.status == 200, "\(query): \(reply.text)")
                return try reply.json["value"]?.arrayValue?.compactMap { $0["PrimaryKey"]?.stringValue.flatMap { Int64($0) } } ?? []
            }
            // Instants: early 12:00Z, middle 13:00Z, late 14:30Z (as text: late, early, middle).
            #expect(try await ids("$orderBy=created") == [Int64(early), Int64(middle), Int64(late)])
            #expect(try await ids("$orderBy=Created%20desc") == [Int64(late), Int64(middle), Int64(early)])
            #expect(try await ids("$filter=" + FormEncoding.escape("created gt '2018-06-01T12:00:00+00:00'")) == [Int64(late), Int64(middle)])
            #expect(try await ids("$filter=" + FormEncoding.escape("created eq '2018-06-01T14:30:00Z'")) == [Int64(late)])
            #expect(try await ids("$filter=" + FormEncoding.escape("created le '2018-06-01T08:00:00-04:00'")) == [Int64(early)])
            #expect(try await client.get("/api/v1/BatchTask?$filter=" + FormEncoding.escape("created gt 'yesterday'")).status == 400)
        }
    }
}
