import BaogongAgent
import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB
import Testing

/// A scratch agent database, removed at the end.
final class ScratchAgent: Sendable {
    let directory: URL
    let database: AgentDatabase
    var path: String { directory.appendingPathComponent("agent.sqlite").path }

    init(store: String = "S01") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("baogong-agent-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        database = try AgentDatabase.create(
            path: directory.appendingPathComponent("agent.sqlite").path, store: store, hub: "http://127.0.0.1:9", token: "s.S01.x"
        )
    }

    deinit { try? FileManager.default.removeItem(at: directory) }
}

func day(_ text: String) -> CalendarDate { try! CalendarDate(text) }

@Suite("Store agent: recording offline")
struct RecordingTests {
    @Test func recordingWorksWithoutAHubAndCountsAsPending() async throws {
        let agent = try ScratchAgent()
        try await agent.database.recordStock(StockEntry(date: day("2020-02-10"), commodity: "rice", onHand: 1000, sold: 100, priceFen: 520))
        try await agent.database.recordCheckpoint(CheckpointIncrement(date: day("2020-02-10"), counts: ["checked": 100, "refused_fever": 1]))
        try await agent.database.recordCheckpoint(CheckpointIncrement(date: day("2020-02-10"), counts: ["checked": 20]))
        try await agent.database.recordIncident(temperature: 38.2, action: "refused", time: Date())
        try await agent.database.setStoreStatus(open: false, reason: "staff quarantined", since: day("2020-02-11"))
        let status = try await agent.database.status()
        #expect(status.pending == 5)
        #expect(status.ackedSeq == 0)
        #expect(status.lastSyncAt == nil)
        #expect(status.oldestPendingAt != nil)
        let checkpoints = try await agent.database.checkpoints(date: day("2020-02-10"))
        #expect(checkpoints.first?.checked == 120, "this device's increments add up")
        let stock = try await agent.database.stock(date: nil)
        try #require(stock.count == 1)
        #expect(stock[0].price == 5.2)
        #expect(stock[0].onHand == 1000)
    }

    @Test func reRecordingOnlyChangesTheFieldsGiven() async throws {
        let agent = try ScratchAgent()
        try await agent.database.recordStock(StockEntry(date: day("2020-02-10"), commodity: "rice", onHand: 1000, sold: 100, priceFen: 520, source: "Qijia"))
        try await agent.database.recordStock(StockEntry(date: day("2020-02-10"), commodity: "rice", onHand: 900, priceFen: 530))
        let row = try #require(try await agent.database.stock(date: day("2020-02-10")).first)
        #expect(row.onHand == 900)
        #expect(row.price == 5.3)
        #expect(row.sold == 100)
        #expect(row.source == "Qijia")
    }

    @Test func badInputChangesNothing() async throws {
        let agent = try ScratchAgent()
        try await agent.database.recordStock(StockEntry(date: day("2020-02-10"), commodity: "rice", onHand: 1, priceFen: 1))
        let before = try await agent.database.status().pending
        let negativeStock = await #expect(throws: AgentError.self) {
            try await agent.database.recordStock(StockEntry(date: day("2020-02-10"), commodity: "rice", onHand: -5, priceFen: 1))
        }
        #expect(negativeStock?.code == .invalidInput)
        #expect(negativeStock?.field == "on_hand")
        let negativeCount = await #expect(throws: AgentError.self) {
            try await agent.database.recordCheckpoint(CheckpointIncrement(date: day("2020-02-10"), counts: ["checked": -3]))
        }
        #expect(negativeCount?.code == .invalidInput)
        let badKey = await #expect(throws: AgentError.self) {
            try await agent.database.recordStock(
                StockEntry(date: day("2020-02-10"), commodity: "bad/commodity", onHand: 1, priceFen: 1)
            )
        }
        #expect(badKey?.code == .invalidInput)
        let after = try await agent.database.status().pending
        #expect(after == before)
    }

    @Test func aMissingDatabaseIsRefusedAndNotCreated() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("never-\(UUID().uuidString).sqlite").path
        let error = #expect(throws: AgentError.self) { _ = try AgentDatabase.open(path: path) }
        #expect(error?.code == .notInitialised)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func initialisingTwiceIsRefused() throws {
        let agent = try ScratchAgent()
        let twice = #expect(throws: AgentError.self) {
            _ = try AgentDatabase.create(path: agent.path, store: "S01", hub: "http://127.0.0.1:1", token: "t")
        }
        #expect(twice?.code == .alreadyInitialised)
        let badStore = #expect(throws: AgentError.self) {
            _ = try AgentDatabase.create(path: agent.path + "-2", store: "S 01", hub: "http://127.0.0.1:1", token: "t")
        }
        #expect(badStore?.code == .invalidInput)
        let badHub = #expect(throws: AgentError.self) {
            _ = try AgentDatabase.create(path: agent.path + "-3", store: "S01", hub: "not a url", token: "t")
        }
        #expect(badHub?.code == .invalidInput)
    }

    @Test func devicesOfOneStoreGetTheirOwnReplicaIds() async throws {
        let a = try ScratchAgent(), b = try ScratchAgent()
        let ra = try await a.database.identity().replica, rb = try await b.database.identity().replica
        #expect(ra != rb)
        #expect(ra.hasPrefix("S01."))
        #expect(rb.hasPrefix("S01."))
    }

    @Test func backoffGrowsExponentiallyWithJitterAndACap() {
        let d0 = AgentSyncService.delay(interval: 10, failures: 0, maxBackoff: 300, jitter: 0.5)
        let d3 = AgentSyncService.delay(interval: 10, failures: 3, maxBackoff: 300, jitter: 0.5)
        let d20 = AgentSyncService.delay(interval: 10, failures: 20, maxBackoff: 300, jitter: 0.5)
        #expect(d0 == 10)
        #expect(d3 == 80)
        #expect(d20 == 300)
        #expect(AgentSyncService.delay(interval: 10, failures: 3, maxBackoff: 300, jitter: 0) == 64)
        #expect(AgentSyncService.delay(interval: 10, failures: 3, maxBackoff: 300, jitter: 1) == 96)
    }
}

@Suite("Store agent: CSV import")
struct CSVTests {
    let header = "date,commodity,on_hand,sold,received,price,source,restock_days,transport_days,channel,note\n"

    @Test func rfc4180QuotingAndEmptyOptionalCells() throws {
        let csv = header + #"2020-02-10,rice,1000,100,,5.20,"Qijia Gaofeng, Yongxing",2,1,"green ""channel""","two"#
            + "\n" + #"lines""# + "\n" + "2020-02-10,pork,50.5,,,38,,,,,\r\n\n"
        let entries = try StockCSV.parseWithLines(csv)
        #expect(entries.count == 2)
        #expect(entries[0].entry.source == "Qijia Gaofeng, Yongxing")
        #expect(entries[0].entry.channel == "green \"channel\"")
        #expect(entries[0].entry.note == "two\nlines")
        #expect(entries[0].entry.priceFen == 520)
        #expect(entries[0].entry.restockDays == 2)
        #expect(entries[1].line == 4, "a quoted line break moves the next record's line")
        #expect(entries[1].entry.sold == nil)
        #expect(entries[1].entry.onHand == 50.5)
        #expect(entries[1].entry.priceFen == 3800)
    }

    @Test func aBadRowNamesItsLineAndColumn() {
        func message(_ csv: String) -> String? {
            do { _ = try StockCSV.parse(csv) } catch let e as AgentError { return e.message } catch { return "\(error)" }
            return nil
        }
        #expect(message(header + "2020-02-10,rice,1000,,,5.2,,,,,\n2020-02-11,rice,abc,,,5.2,,,,,\n") == "line 3, column on_hand: 'abc' is not a number")
        #expect(message(header + "2020-02-30,rice,1,,,5.2,,,,,\n")?.hasPrefix("line 2, column date:") == true)
        #expect(message(header + "2020-02-10,rice,1,,,-5,,,,,\n") == "line 2, column price: must not be negative, got -5")
        #expect(message(header + "2020-02-10,rice,1,,,5.2,,,,\n")?.hasPrefix("line 2: 10 columns") == true)
        #expect(message(header + "2020-02-10,rice,,,,5.2,,,,,\n") == "line 2, column on_hand: is required")
        #expect(message("date,commodity,price\n")?.contains("no 'on_hand' column") == true)
        #expect(message(header + "2020-02-10,\"rice,1,,,5.2,,,,,\n")?.contains("never closed") == true)
        #expect(message("date,commodity,on_hand,price,on_hand\n2020-02-10,rice,1,5,2\n")
                == "line 1: the column 'on_hand' appears twice in the header")
    }

    @Test func anExportThatIsNotUTF8IsRefusedWithItsLine() throws {
        var data = Data((header + "2020-02-10,rice,1,,,5.2,Qijia,,,,\n2020-02-10,pork,1,,,38,").utf8)
        data.append(contentsOf: [0xD6, 0xDC, 0xC0, 0xFB])  // "周利" in GBK, not UTF-8
        data.append(contentsOf: Array(",,,,\n".utf8))
        #expect(throws: AgentError.self) { try StockCSV.text(data) }
        do { _ = try StockCSV.text(data) } catch let e as AgentError { #expect(e.message == "line 3: the text is not UTF-8 (save the export as UTF-8)") }
        #expect(try StockCSV.text(Data((header + "2020-02-10,rice,1,,,5.2,盛源,,,,\n").utf8)).contains("盛源"))
    }

    @Test func bareCarriageReturnsEndLines() throws {
        let csv = (header + "2020-02-10,rice,1000,100,,5.20,,,,,\n2020-02-10,pork,10,1,,38,,,,,\n").replacingOccurrences(of: "\n", with: "\r")
        let entries = try StockCSV.parseWithLines(csv)
        #expect(entries.map(\.entry.commodity) == ["rice", "pork"])
        #expect(entries.map(\.line) == [2, 3])
        let crlf = try StockCSV.parseWithLines(csv.replacingOccurrences(of: "\r", with: "\r\n"))
        #expect(crlf.map(\.line) == [2, 3])
    }

    /// A file that gives one day's commodity twice: the later row stands, as two `stock record`
    /// commands would leave it, and both writes are pending.
    @Test func aLaterRowOfTheSameDayAndCommodityStands() async throws {
        let agent = try ScratchAgent()
        try await agent.database.importStock(try StockCSV.parse(header + "2020-02-10,rice,1000,,,5.20,,,,,\n2020-02-10,rice,900,,,5.30,,,,,\n"))
        #expect(try await agent.database.stock(date: day("2020-02-10")).map(\.onHand) == [900])
        #expect(try await agent.database.status().pending == 2)
    }

    @Test func importIsAllOrNothing() async throws {
        let agent = try ScratchAgent()
        let good = try StockCSV.parse(header + "2020-02-10,rice,1000,100,,5.20,,,,,\n2020-02-10,pork,10,1,,38,,,,,\n")
        try await agent.database.importStock(good)
        #expect(try await agent.database.status().pending == 2)
        // A catalog is known once the hub sent one; an unknown commodity then fails the whole file.
        let catalog = Change(set: "catalog", key: "rice", timestamp: HLCTimestamp(rawValue: 1), replica: "hub", fields: ["unit": .text("kg")])
        _ = try agent.database.store.apply([catalog], defaultReplica: "hub")
        let parsed = try StockCSV.parseWithLines(header + "2020-02-11,rice,900,100,,5.20,,,,,\n2020-02-11,caviar,1,1,,999,,,,,\n")
        let error = await #expect(throws: AgentError.self) {
            try await agent.database.importStock(parsed.map(\.entry), lines: parsed.map(\.line))
        }
        #expect(error?.code == .badCSV)
        #expect(error?.message == "line 3, column commodity: 'caviar' is not in the catalog")
        #expect(try await agent.database.status().pending == 2, "nothing of the bad file was written")
        #expect(try await agent.database.stock(date: day("2020-02-11")).isEmpty)
    }
}

/// A test double of the hub's side of the documented protocol: merges into its own record store,
/// acknowledges `upto`, and sends its reference data down.
final class FakeHub: SyncTransport, @unchecked Sendable {
    let store = try! RecordStore.inMemory()
    private let lock = NSLock()
    private(set) var requests = [SyncRequest]()
    var failNext = 0

    init() {
        let notice = Change(set: "notices", key: "n1", timestamp: HLCTimestamp(rawValue: 5), replica: "hub",
                            fields: ["text": .text("Report by 20:00"), "posted_at": .text("2020-02-10T00:00:00Z")])
        _ = try! store.apply([notice], defaultReplica: "hub")
    }

    func sync(_ request: SyncRequest, to hub: HubEndpoint) async throws -> SyncResponse {
        try lock.withLock {
            requests.append(request)
            if failNext > 0 {
                failNext -= 1
                throw AgentError(.hubUnreachable, "hub unreachable (test)")
            }
            let result = try store.apply(request.changes, defaultReplica: request.replica)
            return try store.writer.write { db in
                try RecordStore.acknowledge(request.replica, upTo: request.upto, in: db)
                let down = try RecordStore.changes(forStore: request.store, after: request.cursor, limit: 100, in: db)
                return SyncResponse(
                    acked: try RecordStore.ackedSeq(of: request.replica, in: db), cursor: try RecordStore.lastSeq(in: db),
                    more: false, merged: result.merged, changes: down.map(\.change)
                )
            }
        }
    }
}

@Suite("Store agent: sync client")
struct SyncClientTests {
    @Test func drainsTheOutboxInBoundedBatchesThenSendsNothingNew() async throws {
        let agent = try ScratchAgent()
        let entries = (0..<23).map { i in
            StockEntry(date: day("2020-02-01").adding(days: i), commodity: "rice", onHand: Double(i), priceFen: 520)
        }
        try await agent.database.importStock(entries)
        let hub = FakeHub()
        let client = SyncClient(database: agent.database, transport: hub, batchSize: 10)
        let report = try await client.syncOnce()
        #expect(report.batches == 3)
        #expect(report.sent == 23)
        #expect(hub.requests.map(\.changes.count) == [10, 10, 3])
        #expect(hub.requests.map(\.pending) == [13, 3, 0])
        #expect(try await agent.database.status().pending == 0)
        #expect(try await agent.database.notices().map(\.text) == ["Report by 20:00"], "reference data came down")
        let again = try await client.syncOnce()
        #expect(again.sent == 0)
        #expect(again.received == 0)
        #expect(hub.requests.last?.changes.isEmpty == true)
        let hubStock = try await hub.store.writer.read { db in try RecordStore.allStates(set: "stock", in: db) }
        let agentStock = try await agent.database.store.writer.read { db in try RecordStore.allStates(set: "stock", in: db) }
        #expect(hubStock == agentStock)
    }

    @Test func aFailedSyncIsRecordedAndRetriedWithoutLoss() async throws {
        let agent = try ScratchAgent()
        try await agent.database.recordCheckpoint(CheckpointIncrement(date: day("2020-02-10"), counts: ["checked": 7]))
        let hub = FakeHub()
        hub.failNext = 1
        let client = SyncClient(database: agent.database, transport: hub)
        let failure = await #expect(throws: AgentError.self) { _ = try await client.syncOnce() }
        #expect(failure?.code == .hubUnreachable)
        let failed = try await agent.database.status()
        #expect(failed.pending == 1)
        #expect(failed.lastError == "hub unreachable (test)")
        _ = try await client.syncOnce()
        let ok = try await agent.database.status()
        #expect(ok.pending == 0)
        #expect(ok.lastError == nil)
        #expect(ok.lastSyncAt != nil)
        let checked = try await hub.store.writer.read { db in try RecordStore.state(set: "checkpoint", key: "S01/2020-02-10", in: db)?["checked"] }
        #expect(checked == .int(7))
    }
}

/// Several processes of one hub: a transport that refuses for the hubs marked down and hands every
/// other request to one `FakeHub` (they share one database, as hub processes on PostgreSQL do).
final class HubProcesses: SyncTransport, @unchecked Sendable {
    let hub = FakeHub()
    private let lock = NSLock()
    var down = Set<String>()
    private(set) var tried = [String]()

    func sync(_ request: SyncRequest, to endpoint: HubEndpoint) async throws -> SyncResponse {
        let refused = lock.withLock {
            tried.append(endpoint.url)
            return down.contains(endpoint.url)
        }
        if refused { throw AgentError(.hubUnreachable, "hub unreachable at \(endpoint.url) (test)") }
        return try await hub.sync(request, to: endpoint)
    }
}

@Suite("Store agent: several hubs")
struct HubFailoverTests {
    static let (a, b, c) = ("http://127.0.0.1:8081", "http://127.0.0.1:8082", "http://127.0.0.1:8083")

    func agent() throws -> (ScratchAgent, AgentDatabase) {
        let scratch = try ScratchAgent()
        let path = scratch.directory.appendingPathComponent("failover.sqlite").path
        let database = try AgentDatabase.create(path: path, store: "S01", hub: Self.a, otherHubs: [Self.b, Self.c, Self.a], token: "s.S01.x")
        return (scratch, database)
    }

    @Test func theAgentTriesTheHubsInOrderAndStaysWithTheOneThatAnswered() async throws {
        let (scratch, database) = try agent()
        _ = scratch
        #expect(try await database.status().hubs == [Self.a, Self.b, Self.c], "repeats dropped, order kept")
        try await database.recordStock(StockEntry(date: day("2020-02-10"), commodity: "rice", onHand: 10, priceFen: 520))
        let hubs = HubProcesses()
        hubs.down = [Self.a]
        let client = SyncClient(database: database, transport: hubs)
        #expect(try await client.syncOnce().sent == 1)
        #expect(hubs.tried == [Self.a, Self.b])
        var status = try await database.status()
        #expect(status.hub == Self.b && status.pending == 0 && status.lastError == nil)

        // It stays with b; when b fails, it goes on to c, then wraps around to a.
        try await database.recordStock(StockEntry(date: day("2020-02-11"), commodity: "rice", onHand: 9, priceFen: 520))
        hubs.down = [Self.b, Self.c]
        #expect(try await client.syncOnce().sent == 1)
        #expect(Array(hubs.tried.suffix(3)) == [Self.b, Self.c, Self.a])
        status = try await database.status()
        #expect(status.hub == Self.a && status.pending == 0)
        let merged = try await hubs.hub.store.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM stock") }
        #expect(merged == 2, "both records reached the hubs' one database")
    }

    @Test func whenNoHubAnswersNothingMovesAndTheErrorIsRecorded() async throws {
        let (scratch, database) = try agent()
        _ = scratch
        try await database.recordStock(StockEntry(date: day("2020-02-10"), commodity: "rice", onHand: 10, priceFen: 520))
        let hubs = HubProcesses()
        hubs.down = [Self.a, Self.b, Self.c]
        await #expect(throws: AgentError.self) { try await SyncClient(database: database, transport: hubs).syncOnce() }
        #expect(hubs.tried == [Self.a, Self.b, Self.c])
        let status = try await database.status()
        #expect(status.hub == Self.a && status.pending == 1 && status.lastError?.contains("8083") == true)
    }

    @Test func configReplacesTheListAndABadAddressChangesNothing() async throws {
        let (scratch, database) = try agent()
        _ = scratch
        try await database.reconfigure(hub: Self.c, otherHubs: [Self.a], token: nil)
        var status = try await database.status()
        #expect(status.hub == Self.c && status.hubs == [Self.c, Self.a])
        await #expect(throws: AgentError.self) {
            try await database.reconfigure(hub: Self.b, otherHubs: ["http://10.1.2.3:8080"], token: nil)
        }
        status = try await database.status()
        #expect(status.hub == Self.c && status.hubs == [Self.c, Self.a], "plain http beyond this machine refused whole")
        try await database.reconfigure(hub: Self.b, token: nil)
        #expect(try await database.status().hubs == [Self.b])
    }
}
