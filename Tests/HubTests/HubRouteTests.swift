@testable import BaogongHub
import BaogongModel
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The hub's HTTP routes through Hummingbird's router test client: every refusal is a 4xx with a
/// JSON error and leaves the database exactly as it was.
@Suite("Hub routes")
struct HubRouteTests {
    typealias F = Fixture

    /// A hub with stores S01 and S02, a revoked store S03 and one operator; its clock is fixed.
    struct Hub {
        let db: any TestHub
        let context: HubContext
        let s01: String
        let s02: String
        let revoked: String
        let operatorToken: String
        var app: some ApplicationProtocol { Application(router: buildHubRouter(context)) }
    }

    static let now = F.instant("2020-02-10T12:00:00Z")

    static func makeHub(_ backend: Backend = .sqlite) async throws -> Hub {
        let db = try await backend.open()
        let s01 = try await db.addStore(id: "S01", name: "Qijia Supermarket", township: "Chengguan", kind: .supermarket, now: now)
        let s02 = try await db.addStore(id: "S02", name: "Dongfeng Market", township: nil, kind: .market, now: now)
        let s03 = try await db.addStore(id: "S03", name: "Closed Down", township: nil, kind: .mall, now: now)
        try await db.revokeStore(id: "S03", now: now)
        let op = try await db.addOperator(name: "Duty officer", now: now)
        let context = HubContext(database: db, logger: Logger(label: "hub-tests"), clock: { now })
        return Hub(db: db, context: context, s01: s01, s02: s02, revoked: s03, operatorToken: op.token)
    }

    /// 2020-02-10T11:00:00Z as a hybrid-clock timestamp: 1,581,332,400,000 << 16.
    static let t = "103634200166400000"

    static func stockChange(_ key: String = "S01/rice/2020-02-10", _ fields: String = #"{"on_hand":1000,"sold":100,"price":520}"#) -> String {
        #"{"s":"stock","k":"\#(key)","t":\#(t),"f":\#(fields)}"#
    }

    static func envelope(
        _ changes: [String], store: String = "S01", replica: String = "S01.0b047020", protocolVersion: String = "1",
        schema: String = "1", cursor: String = "0", upto: String = "1"
    ) -> String {
        #"{"protocol":\#(protocolVersion),"schema":\#(schema),"store":"\#(store)","replica":"\#(replica)","cursor":\#(cursor),"upto":\#(upto),"pending":0,"sent_at":1581336000000,"changes":[\#(changes.joined(separator: ","))]}"#
    }

    static func headers(bearer token: String?, json: Bool = true) -> HTTPFields {
        var h: HTTPFields = [:]
        if let token { h[.authorization] = "Bearer \(token)" }
        if json { h[.contentType] = "application/json" }
        return h
    }

    /// Checks an error answer: the status, `{"error": {"code", "message", …}}` with nothing else, the code and the field.
    static func expectError(
        _ response: TestResponse, _ status: HTTPResponse.Status, _ code: String, field: String? = nil, change: Int? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(response.status == status, sourceLocation: sourceLocation)
        #expect(response.headers[.contentType] == "application/json; charset=utf-8", sourceLocation: sourceLocation)
        let data = Data(String(buffer: response.body).utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], sourceLocation: sourceLocation)
        #expect(Array(object.keys) == ["error"], sourceLocation: sourceLocation)
        let detail = try #require(object["error"] as? [String: Any], sourceLocation: sourceLocation)
        #expect(detail["code"] as? String == code, "\(String(buffer: response.body))", sourceLocation: sourceLocation)
        #expect(!((detail["message"] as? String) ?? "").isEmpty, sourceLocation: sourceLocation)
        if let field { #expect(detail["field"] as? String == field, sourceLocation: sourceLocation) }
        if let change { #expect(detail["change"] as? Int == change, sourceLocation: sourceLocation) }
        if status == .unauthorized {
            #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="baogong""#, sourceLocation: sourceLocation)
        }
    }

    // MARK: - Refusals of POST /v1/sync

    enum Token: Sendable { case none, raw(String), s01, s02, revoked, operatorToken }

    struct BadSync: Sendable, CustomTestStringConvertible {
        var name: String
        var token: Token
        var body: String
        var status: HTTPResponse.Status
        var code: String
        var field: String? = nil
        var change: Int? = nil
        var testDescription: String { name }
    }

    static let badSyncs: [BadSync] = [
        BadSync(name: "no token", token: .none, body: envelope([stockChange()]), status: .unauthorized, code: "unauthorized"),
        BadSync(name: "malformed token", token: .raw("Bearer s.S01.not-a-secret"), body: envelope([stockChange()]),
                status: .unauthorized, code: "unauthorized"),
        BadSync(name: "not a bearer header", token: .raw("Basic czAxOnNlY3JldA=="), body: envelope([stockChange()]),
                status: .unauthorized, code: "unauthorized"),
        BadSync(name: "revoked token", token: .revoked,
                body: envelope([stockChange("S03/rice/2020-02-10")], store: "S03", replica: "S03.aaaa0000"),
                status: .unauthorized, code: "unauthorized"),
        BadSync(name: "operator token", token: .operatorToken, body: envelope([stockChange()]), status: .forbidden, code: "forbidden"),
        BadSync(name: "another store's key after a valid change", token: .s01,
                body: envelope([stockChange(), stockChange("S02/rice/2020-02-10", #"{"on_hand":0}"#)], upto: "2"),
                status: .forbidden, code: "forbidden", field: "key", change: 1),
        BadSync(name: "another store's replica id", token: .s01, body: envelope([stockChange()], replica: "S02.0b047020"),
                status: .forbidden, code: "forbidden", field: "replica"),
        BadSync(name: "replica hub", token: .s01, body: envelope([stockChange()], replica: "hub"), status: .forbidden, code: "forbidden"),
        BadSync(name: "another store in the envelope", token: .s01,
                body: envelope([stockChange("S02/rice/2020-02-10")], store: "S02", replica: "S02.0b047020"),
                status: .forbidden, code: "forbidden"),
        BadSync(name: "a change written by another replica", token: .s01,
                body: envelope([#"{"s":"stock","k":"S01/rice/2020-02-10","t":\#(t),"r":"S01.ffffffff","f":{"on_hand":1}}"#]),
                status: .forbidden, code: "forbidden", field: "r", change: 0),
        BadSync(name: "a store writing the catalog", token: .s01,
                body: envelope([#"{"s":"catalog","k":"rice","t":\#(t),"f":{"min_days":0}}"#]),
                status: .forbidden, code: "forbidden", change: 0),
        BadSync(name: "a store writing a closure order", token: .s01,
                body: envelope([#"{"s":"store_status","k":"S01","t":\#(t),"f":{"state":"open","since":"2020-02-10","authority":"authorised"}}"#]),
                status: .forbidden, code: "forbidden", field: "authority", change: 0),
        BadSync(name: "malformed JSON", token: .s01, body: #"{"protocol": 1, "schema": 1, "store": "S01""#,
                status: .badRequest, code: "malformed_json"),
        BadSync(name: "cursor as a string", token: .s01, body: envelope([stockChange()], cursor: #""zero""#),
                status: .badRequest, code: "malformed_json"),
        BadSync(name: "missing key", token: .s01, body: #"{"protocol":1,"schema":1,"store":"S01","replica":"S01.0b047020","changes":[]}"#,
                status: .badRequest, code: "malformed_json"),
        BadSync(name: "a negative timestamp", token: .s01,
                body: envelope([#"{"s":"stock","k":"S01/rice/2020-02-10","t":-1,"f":{"on_hand":1}}"#]),
                status: .badRequest, code: "malformed_json"),
        BadSync(name: "a field value that is an array", token: .s01, body: envelope([stockChange("S01/rice/2020-02-10", #"{"on_hand":[1]}"#)]),
                status: .badRequest, code: "malformed_json"),
        BadSync(name: "unknown record set", token: .s01, body: envelope([#"{"s":"prices","k":"S01/rice/2020-02-10","t":\#(t),"f":{"x":1}}"#]),
                status: .unprocessableContent, code: "invalid_change", field: "set", change: 0),
        BadSync(name: "unknown field", token: .s01, body: envelope([stockChange("S01/rice/2020-02-10", #"{"on_hand":1,"colour":"red"}"#)]),
                status: .unprocessableContent, code: "invalid_change", field: "colour", change: 0),
        BadSync(name: "negative stock", token: .s01, body: envelope([stockChange(), stockChange("S01/rice/2020-02-11", #"{"on_hand":-5}"#)], upto: "2"),
                status: .unprocessableContent, code: "invalid_change", field: "on_hand", change: 1),
        BadSync(name: "a counter sent as a field", token: .s01,
                body: envelope([#"{"s":"checkpoint","k":"S01/2020-02-10","t":\#(t),"f":{"checked":5}}"#]),
                status: .unprocessableContent, code: "invalid_change", field: "checked", change: 0),
        BadSync(name: "a date that does not exist", token: .s01, body: envelope([stockChange("S01/rice/2020-02-30")]),
                status: .unprocessableContent, code: "invalid_change", field: "date", change: 0),
        BadSync(name: "a key with too few parts", token: .s01, body: envelope([stockChange("S01/rice")]),
                status: .unprocessableContent, code: "invalid_change", field: "key", change: 0),
        BadSync(name: "schema newer than the hub", token: .s01, body: envelope([stockChange()], schema: "\(SyncProtocol.schemaVersion + 1)"),
                status: .conflict, code: "schema_too_new"),
        BadSync(name: "schema 0", token: .s01, body: envelope([stockChange()], schema: "0"), status: .badRequest, code: "bad_schema"),
        BadSync(name: "unsupported protocol", token: .s01, body: envelope([stockChange()], protocolVersion: "2"),
                status: .badRequest, code: "unsupported_protocol"),
        BadSync(name: "a replica id that is not an identifier", token: .s01, body: envelope([stockChange()], replica: "S01.front door"),
                status: .badRequest, code: "bad_request", field: "replica"),
        BadSync(name: "negative upto", token: .s01, body: envelope([stockChange()], upto: "-1"), status: .badRequest, code: "bad_request"),
        BadSync(name: "a key segment '..'", token: .s01, body: envelope([stockChange("S01/../2020-02-10")]),
                status: .unprocessableContent, code: "invalid_change", field: "commodity", change: 0),
        BadSync(name: "an incident id '.'", token: .s01,
                body: envelope([#"{"s":"incident","k":"S01/.","t":\#(t),"f":{"action":"refused"}}"#]),
                status: .unprocessableContent, code: "invalid_change", field: "id", change: 0),
    ]

    /// Bodies the sync route must refuse at its edge: another content type, gzip that is not one
    /// clean gzip member.
    @Test(arguments: Backend.all) func syncEdgesAreStrict(_ backend: Backend) async throws {
        let hub = try await Self.makeHub(backend)
        let before = try await hub.db.fingerprint()
        let json = Data(Self.envelope([Self.stockChange()]).utf8)
        let gzip = try Gzip.compress(json)
        // zlib's own framing of "hi" (78 9c …), labelled gzip.
        let zlib = Data([0x78, 0x9C, 0xCB, 0xC8, 0x04, 0x00, 0x01, 0x3B, 0x00, 0xD2])
        let cases: [(String, HTTPFields, Data, HTTPResponse.Status, String)] = [
            ("text/plain", [.contentType: "text/plain"], json, .unsupportedMediaType, "unsupported_media_type"),
            ("form", [.contentType: "application/x-www-form-urlencoded"], json, .unsupportedMediaType, "unsupported_media_type"),
            ("bytes after the gzip member", [.contentType: "application/json", .contentEncoding: "gzip"], gzip + Data([0]),
             .badRequest, "bad_encoding"),
            ("two gzip members", [.contentType: "application/json", .contentEncoding: "gzip"], gzip + gzip, .badRequest, "bad_encoding"),
            ("zlib labelled gzip", [.contentType: "application/json", .contentEncoding: "gzip"], zlib, .badRequest, "bad_encoding"),
        ]
        try await hub.app.test(.router) { client in
            for (name, fields, body, status, code) in cases {
                var headers = fields
                headers[.authorization] = "Bearer \(hub.s01)"
                try await client.execute(uri: "/v1/sync", method: .post, headers: headers, body: ByteBuffer(bytes: body)) { response in
                    #expect(response.status == status, "\(name)")
                    try Self.expectError(response, status, code)
                }
            }
            // The same gzip body, clean, is accepted; so is JSON with a charset.
            var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .contentEncoding: "gzip"]
            headers[.authorization] = "Bearer \(hub.s01)"
            try await client.execute(uri: "/v1/sync", method: .post, headers: headers, body: ByteBuffer(bytes: gzip)) {
                #expect($0.status == .ok)
            }
        }
        #expect(try await hub.db.fingerprint() != before)
    }

    func authorization(_ token: Token, _ hub: Hub) -> String? {
        switch token {
        case .none: return nil
        case .raw(let header): return header
        case .s01: return "Bearer \(hub.s01)"
        case .s02: return "Bearer \(hub.s02)"
        case .revoked: return "Bearer \(hub.revoked)"
        case .operatorToken: return "Bearer \(hub.operatorToken)"
        }
    }

    @Test(arguments: Backend.all, badSyncs)
    func badSyncIsRefusedAndWritesNothing(_ backend: Backend, _ bad: BadSync) async throws {
        let hub = try await Self.makeHub(backend)
        let before = try await hub.db.fingerprint()
        var headers: HTTPFields = [.contentType: "application/json"]
        if let value = authorization(bad.token, hub) { headers[.authorization] = value }
        let requestHeaders = headers
        try await hub.app.test(.router) { client in
            try await client.execute(uri: "/v1/sync", method: .post, headers: requestHeaders, body: ByteBuffer(string: bad.body)) { response in
                try Self.expectError(response, bad.status, bad.code, field: bad.field, change: bad.change)
            }
        }
        #expect(try await hub.db.fingerprint() == before)
        // The refusal is counted by code.
        #expect(hub.context.metrics.text().contains(#"baogong_refusals_total{code="\#(bad.code)"} 1"#))
    }

    @Test(arguments: Backend.all) func tooManyChangesIsBatchTooLarge(_ backend: Backend) async throws {
        let hub = try await Self.makeHub(backend)
        let before = try await hub.db.fingerprint()
        // 20,001 valid checkpoint changes (a few bytes each, about 1.5 MB in all).
        let one = #"{"s":"checkpoint","k":"S01/2020-02-10","t":\#(Self.t),"c":{"checked":1}}"#
        let body = Self.envelope(Array(repeating: one, count: SyncProtocol.maxBatchChanges + 1), upto: "20001")
        let limit = Self.envelope(Array(repeating: one, count: SyncProtocol.maxBatchChanges), upto: "20000")
        try await hub.app.test(.router) { client in
            try await client.execute(uri: "/v1/sync", method: .post, headers: Self.headers(bearer: hub.s01), body: ByteBuffer(string: body)) {
                try Self.expectError($0, .contentTooLarge, "batch_too_large")
            }
            #expect(try await hub.db.fingerprint() == before)
            // Exactly 20,000 is accepted; the same slot total repeated merges once.
            try await client.execute(uri: "/v1/sync", method: .post, headers: Self.headers(bearer: hub.s01), body: ByteBuffer(string: limit)) {
                response in
                #expect(response.status == .ok)
                let answer = try JSONDecoder().decode(SyncResponse.self, from: Data(String(buffer: response.body).utf8))
                #expect(answer.acked == 20_000)
                #expect(answer.merged == 1)
            }
        }
        #expect(try await hub.db.records(set: .checkpoint, store: "S01", date: nil, afterSeq: 0, limit: 1).first?["checked"] == .int(1))
    }

    @Test(arguments: Backend.all) func aBodyOver16MiBIsPayloadTooLarge(_ backend: Backend) async throws {
        let hub = try await Self.makeHub(backend)
        let before = try await hub.db.fingerprint()
        // 16 MiB + 1 byte: a valid envelope padded with spaces.
        var body = ByteBuffer(string: Self.envelope([Self.stockChange()]))
        body.writeRepeatingByte(UInt8(ascii: " "), count: HubServerSettings.maxBodyBytes + 1 - body.readableBytes)
        #expect(body.readableBytes == 16_777_217)
        let oversized = body
        try await hub.app.test(.router) { client in
            try await client.execute(uri: "/v1/sync", method: .post, headers: Self.headers(bearer: hub.s01), body: oversized) {
                try Self.expectError($0, .contentTooLarge, "payload_too_large")
            }
        }
        #expect(try await hub.db.fingerprint() == before)
    }

    /// Store ids may contain dots, so "A" is a prefix of "A.B": store A must not sync as replica
    /// "A.B.dev1", a device of store A.B (it would move that device's cursor and overwrite its status).
    @Test(arguments: Backend.all) func aStoreCannotBorrowTheReplicaOfADottedStore(_ backend: Backend) async throws {
        let db = try HubDatabase.inMemory()
        let a = try await db.addStore(id: "A", name: "A", township: nil, kind: .market, now: Self.now)
        let ab = try await db.addStore(id: "A.B", name: "A.B", township: nil, kind: .market, now: Self.now)
        let hub = HubContext(database: db, logger: Logger(label: "hub-tests"), clock: { Self.now })
        let app = Application(router: buildHubRouter(hub))
        try await app.test(.router) { client in
            // The dotted store syncs as its own device.
            let own = Self.envelope([], store: "A.B", replica: "A.B.dev1", upto: "5")
            try await client.execute(uri: "/v1/sync", method: .post, headers: Self.headers(bearer: ab), body: ByteBuffer(string: own)) {
                #expect($0.status == .ok)
            }
            let before = try db.fingerprint()
            let borrowed = Self.envelope([], store: "A", replica: "A.B.dev1", upto: "900")
            try await client.execute(uri: "/v1/sync", method: .post, headers: Self.headers(bearer: a), body: ByteBuffer(string: borrowed)) {
                try Self.expectError($0, .forbidden, "forbidden", field: "replica")
            }
            #expect(try db.fingerprint() == before)
            #expect(try await db.fleetStatus(now: Self.now).first { $0.replica == "A.B.dev1" }?.ackedSeq == 5)
        }
    }

    // MARK: - Operator endpoints

    @Test(arguments: Backend.all, ["/v1/views/supply", "/v1/views/alerts", "/v1/views/reporting", "/v1/stores", "/v1/status", "/v1/records/stock"])
    func storeTokensCannotReadOperatorEndpoints(_ backend: Backend, _ path: String) async throws {
        let hub = try await Self.makeHub(backend)
        let before = try await hub.db.fingerprint()
        try await hub.app.test(.router) { client in
            try await client.execute(uri: path, method: .get, headers: Self.headers(bearer: hub.s01, json: false)) {
                try Self.expectError($0, .forbidden, "forbidden")
            }
            try await client.execute(uri: path, method: .get) { try Self.expectError($0, .unauthorized, "unauthorized") }
            try await client.execute(uri: path, method: .get, headers: Self.headers(bearer: hub.operatorToken, json: false)) {
                #expect($0.status == .ok)
            }
        }
        #expect(try await hub.db.fingerprint() == before)
    }

    @Test(arguments: [
        ("/v1/views/supply?date=2020-02-30", "date"),
        ("/v1/views/supply?date=yesterday", "date"),
        ("/v1/views/supply?unit=barrel", "unit"),
        ("/v1/views/supply?unit=bucket", "unit"),
        ("/v1/views/reporting?date=2020-13-01", "date"),
    ])
    func invalidViewParameters(_ uri: String, _ field: String) async throws {
        let hub = try await Self.makeHub()
        let before = try await hub.db.fingerprint()
        try await hub.app.test(.router) { client in
            try await client.execute(uri: uri, method: .get, headers: Self.headers(bearer: hub.operatorToken, json: false)) {
                try Self.expectError($0, .badRequest, "invalid_parameter", field: field)
            }
        }
        #expect(try await hub.db.fingerprint() == before)
    }

    // MARK: - Happy paths

    /// Syncs worked example 1 of docs/views.md through the API: S01 and S02, rice on 02-08 … 02-10.
    static func syncWorkedExample(_ client: some TestClientProtocol, _ hub: Hub) async throws {
        let rows: [(String, String, [(String, Int, Int, Int)])] = [
            ("S01", hub.s01, [("2020-02-08", 90, 1200, 520), ("2020-02-09", 110, 1100, 520), ("2020-02-10", 100, 1000, 520)]),
            ("S02", hub.s02, [("2020-02-08", 40, 600, 500), ("2020-02-09", 60, 550, 500), ("2020-02-10", 50, 500, 650)]),
        ]
        for (store, token, days) in rows {
            let restock = store == "S01" ? 2 : 3
            let changes = days.map { date, sold, onHand, price in
                stockChange("\(store)/rice/\(date)",
                            #"{"sold":\#(sold),"on_hand":\#(onHand),"price":\#(price),"restock_days":\#(restock),"transport_days":1}"#)
            }
            let body = envelope(changes, store: store, replica: "\(store).0b047020", upto: "3")
            try await client.execute(uri: "/v1/sync", method: .post, headers: headers(bearer: token), body: ByteBuffer(string: body)) {
                response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                let answer = try JSONDecoder().decode(SyncResponse.self, from: Data(String(buffer: response.body).utf8))
                #expect(answer.acked == 3)
                #expect(answer.merged == 3)
                #expect(!answer.more)
            }
        }
    }

    @Test func healthzAndMetrics() async throws {
        let hub = try await Self.makeHub()
        try await hub.app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(!String(buffer: response.body).contains("baogong_syncs_total 1"))
            }
            try await Self.syncWorkedExample(client, hub)
            try await client.execute(uri: "/v1/sync", method: .post, headers: Self.headers(bearer: nil), body: ByteBuffer(string: "{}")) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                let text = String(buffer: response.body)
                // Two stores synced once each, 3 changes each.
                #expect(text.contains("baogong_syncs_total 2"))
                #expect(text.contains("baogong_changes_merged_total 6"))
                #expect(text.contains(#"baogong_refusals_total{code="unauthorized"} 1"#))
            }
        }
    }

    @Test func openAPIDocumentIsTheFileInDocs() async throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/openapi.json")
        let file = try String(contentsOf: docs, encoding: .utf8)
        let hub = try await Self.makeHub()
        try await hub.app.test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                let served = String(buffer: response.body)
                // Same text (the file ends with a newline the served body leaves out).
                #expect(served.trimmingCharacters(in: .newlines) == file.trimmingCharacters(in: .newlines))
                let parsed = try #require(try JSONSerialization.jsonObject(with: Data(served.utf8)) as? [String: Any])
                #expect(parsed["openapi"] as? String == "3.0.3")
                let paths = try #require(parsed["paths"] as? [String: Any])
                #expect(paths["/v1/sync"] != nil)
                #expect(paths["/v1/views/supply"] != nil)
            }
        }
    }

    @Test(arguments: Backend.all) func supplyViewFromSyncedData(_ backend: Backend) async throws {
        let hub = try await Self.makeHub(backend)
        try await hub.app.test(.router) { client in
            try await Self.syncWorkedExample(client, hub)
            for uri in ["/v1/views/supply?date=2020-02-10", "/v1/views/supply"] {  // the default is the latest reported date
                try await client.execute(uri: uri, method: .get, headers: Self.headers(bearer: hub.operatorToken, json: false)) {
                    response in
                    #expect(response.status == .ok)
                    let view = try JSONDecoder().decode(SupplyView.self, from: Data(String(buffer: response.body).utf8))
                    #expect(view.date == "2020-02-10")
                    let rice = try #require(view.commodities.first { $0.commodity == "rice" })
                    // 1000 + 500 = 1500; 100 + 50 = 150; 10.0 days; median (5.20 + 6.50) / 2 = 5.85.
                    #expect(rice.onHand == 1500)
                    #expect(rice.avgDailySales == 150)
                    #expect(close(rice.daysOfSupply, 10))
                    #expect(rice.band == .adequate)
                    #expect(close(rice.priceMedian, 5.85))
                    // S03 is revoked: 2 expected.
                    #expect(rice.storesExpected == 2)
                    #expect(rice.storesReporting == 2)
                    #expect(view.priceAlerts.map(\.store) == ["S02"])
                }
            }
            try await client.execute(uri: "/v1/views/supply?date=2020-02-10&unit=jin", method: .get,
                                     headers: Self.headers(bearer: hub.operatorToken, json: false)) { response in
                let object = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any]
                let rows = object?["commodities"] as? [[String: Any]] ?? []
                let rice = try #require(rows.first { $0["commodity"] as? String == "rice" })
                // × 2 for jin: 3000 on hand, 300 a day; prices ÷ 2: median 2.925.
                #expect(object?["unit"] as? String == "jin")
                #expect(rice["unit"] as? String == "jin")
                #expect(rice["on_hand"] as? Double == 3000)
                #expect(rice["avg_daily_sales"] as? Double == 300)
                #expect(close(rice["price_median"] as? Double, 2.925))
            }
            try await client.execute(uri: "/v1/status", method: .get, headers: Self.headers(bearer: hub.operatorToken, json: false)) {
                response in
                let rows = try JSONDecoder().decode([FleetStatusRow].self, from: Data(String(buffer: response.body).utf8))
                // S01 and S02 synced at the hub's "now" (not stale); S03 (revoked) never did.
                #expect(rows.filter { $0.replica != nil }.map(\.store).sorted() == ["S01", "S02"])
                #expect(rows.filter { $0.replica != nil }.allSatisfy { !$0.stale && $0.ackedSeq == 3 && $0.clockSkewMs == 0 })
                #expect(rows.first { $0.store == "S03" }?.replica == nil)
            }
        }
    }

    @Test(arguments: Backend.all) func dashboardWithABearerOperatorToken(_ backend: Backend) async throws {
        let hub = try await Self.makeHub(backend)
        try await hub.app.test(.router) { client in
            try await Self.syncWorkedExample(client, hub)
            try await client.execute(uri: "/", method: .get, headers: Self.headers(bearer: hub.operatorToken, json: false)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let page = String(buffer: response.body)
                #expect(page.contains(#"<svg id="dos-chart""#))
                // Rice: 1500 / 150 = 10.0 days, adequate; the default language is Chinese.
                #expect(page.contains(#"data-commodity="rice" data-days="10.0" data-band="adequate""#))
                #expect(page.contains("大米"))
                #expect(page.contains(#"<td class="num dos band-adequate">10.0</td>"#))
                // Reporting 2/2 (S03 revoked).
                #expect(page.contains("<strong>2/2</strong>"))
            }
            try await client.execute(uri: "/?lang=en&date=2020-02-10", method: .get,
                                     headers: Self.headers(bearer: hub.operatorToken, json: false)) { response in
                let page = String(buffer: response.body)
                #expect(page.contains(">Rice<"))
                #expect(!page.contains("大米"))
            }
            try await client.execute(uri: "/?lang=zh", method: .get, headers: Self.headers(bearer: hub.operatorToken, json: false)) {
                #expect(String(buffer: $0.body).contains("大米"))
            }
            try await client.execute(uri: "/?lang=xx", method: .get, headers: Self.headers(bearer: hub.operatorToken, json: false)) {
                try Self.expectError($0, .badRequest, "bad_request")
            }
        }
    }

    @Test(arguments: Backend.all) func dashboardSignIn(_ backend: Backend) async throws {
        let hub = try await Self.makeHub(backend)
        try await hub.app.test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/login?lang=zh")
            }
            // A store token does not open the dashboard either: refused as on the operator API.
            try await client.execute(uri: "/", method: .get, headers: Self.headers(bearer: hub.s01, json: false)) {
                try Self.expectError($0, .forbidden, "forbidden")
            }
            try await client.execute(uri: "/login", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#"name="token""#))
            }
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let wrong = String(hub.operatorToken.dropLast()) + (hub.operatorToken.last == "0" ? "1" : "0")
            try await client.execute(uri: "/login", method: .post, headers: form, body: ByteBuffer(string: "token=\(wrong)")) {
                response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.setCookie] == nil)
                #expect(String(buffer: response.body).contains("token refused"))
            }
            let cookie = try await client.execute(
                uri: "/login?lang=en", method: .post, headers: form, body: ByteBuffer(string: "token=\(hub.operatorToken)")
            ) { response -> String in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/?lang=en")
                let setCookie = try #require(response.headers[.setCookie])
                #expect(setCookie.contains("HttpOnly"))
                let pair = try #require(setCookie.split(separator: ";").first)
                #expect(pair.hasPrefix("baogong_session="))
                // The cookie is a fresh session id, never the token.
                #expect(!setCookie.contains(hub.operatorToken))
                #expect(!setCookie.contains(String(hub.operatorToken.suffix(64))))
                return String(pair)
            }
            try await client.execute(uri: "/?lang=en", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#"<svg id="dos-chart""#))
            }
            try await client.execute(uri: "/v1/views/reporting", method: .get, headers: [.cookie: cookie]) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/", method: .get, headers: [.cookie: "baogong_session=\(String(repeating: "0", count: 64))"]) {
                #expect($0.status == .seeOther)
            }
        }
    }

    /// docs/protocol.md: from a store, a `store_status` change must carry `authority: .store`; without it
    /// the merged record could keep the bureau's authority next to the store's state, so it is refused.
    @Test(arguments: Backend.all) func aStoreStatusWithoutAuthorityIsRefused(_ backend: Backend) async throws {
        let hub = try await Self.makeHub(backend)
        let closure = #"{"s":"store_status","k":"S01","t":\#(Self.t),"f":{"state":"closed","since":"2020-02-10","reason":"staff ill"}}"#
        try await hub.app.test(.router) { client in
            try await client.execute(uri: "/v1/sync", method: .post, headers: Self.headers(bearer: hub.s01),
                                     body: ByteBuffer(string: Self.envelope([closure]))) { response in
                #expect(response.status == .forbidden)
            }
        }
    }

    @Test(arguments: Backend.all) func unknownPathsAndSetsAreNotFound(_ backend: Backend) async throws {
        let hub = try await Self.makeHub(backend)
        try await hub.app.test(.router) { client in
            try await client.execute(uri: "/v2/sync", method: .post, headers: Self.headers(bearer: hub.s01), body: ByteBuffer(string: "{}")) {
                try Self.expectError($0, .notFound, "not_found")
            }
            try await client.execute(uri: "/v1/records/prices", method: .get, headers: Self.headers(bearer: hub.operatorToken, json: false)) {
                try Self.expectError($0, .notFound, "not_found")
            }
        }
    }

    @Test(arguments: Backend.all) func theBearerPrefixIsCaseInsensitive(_ backend: Backend) async throws {
        let hub = try await Self.makeHub(backend)
        try await hub.app.test(.router) { client in
            let body = Self.envelope([Self.stockChange()])
            try await client.execute(uri: "/v1/sync", method: .post,
                                     headers: [.authorization: "bearer \(hub.s01)", .contentType: "application/json"],
                                     body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok)
                let answer = try JSONDecoder().decode(SyncResponse.self, from: Data(String(buffer: response.body).utf8))
                // One change merged; the log holds 7 catalog + 3 registry rows before it: cursor 11.
                #expect(answer.merged == 1)
                #expect(answer.acked == 1)
                #expect(answer.cursor == 11)
            }
        }
        let stock = try await hub.db.records(set: .stock, store: "S01", date: CalendarDate("2020-02-10"), afterSeq: 0, limit: 5)
        #expect(stock.first?["on_hand"] == .real(1000))
        #expect(stock.first?["price"] == .int(520))
    }

    /// Names and notices are typed by people: the dashboard shows them as text, never as markup.
    @Test(arguments: Backend.all) func theDashboardEscapesNamesAndNotices(_ backend: Backend) async throws {
        let hub = try await Self.makeHub(backend)
        _ = try await hub.db.addStore(id: "S04", name: "<script>alert('store')</script>", township: nil, kind: .market, now: Self.now)
        try await hub.db.postNotice("<img src=x onerror=alert(1)> Markets closed", now: Self.now)
        try await hub.app.test(.router) { client in
            try await client.execute(uri: "/?lang=en&date=2020-02-10", method: .get,
                                     headers: Self.headers(bearer: hub.operatorToken, json: false)) { response in
                let page = String(buffer: response.body)
                #expect(response.status == .ok)
                // S04 sent nothing: it is listed as missing, by name, escaped.
                #expect(page.contains("&lt;script&gt;alert(&#39;store&#39;)&lt;/script&gt;"))
                #expect(!page.contains("<script>"))
                #expect(page.contains("&lt;img src=x onerror=alert(1)&gt; Markets closed"))
                #expect(!page.contains("<img"))
            }
        }
    }
}
