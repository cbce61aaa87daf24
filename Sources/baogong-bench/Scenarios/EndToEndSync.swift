import BaogongAgent
import BaogongHub
import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB

/// Scenario 2: one agent with N pending stock records syncs to a hub over loopback HTTP with the
/// library's `SyncClient` and `HTTPSyncTransport` (batches of 5,000, gzip bodies as shipped). Timed
/// on a direct connection; bytes are counted on identical runs through the counting proxy, with
/// gzip and without (`compressAbove: 0`). A request body is then re-encoded to measure JSON and
/// gzip sizes and costs.
struct EndToEndSyncScenario {
    var records: Int
    var directory: URL
    static let name = "2 e2e sync"

    struct Run {
        var seconds: Double
        var transportSeconds: Double
        var importSeconds: Double
        var batches: Int
        var sentAgain: Int
        var sent: Int
        var received: Int
        var payload: Payload?
    }

    func run() async throws -> [ResultRow] {
        // The first sync in a process pays for warming up (code pages, the first pools and
        // connections: 0.9 s on the first batch here); neither timed run should.
        _ = try await syncRun(store: "S0000", viaProxy: false, gzip: true, records: min(records, 10_000))
        // Pipelined (as shipped) and one batch at a time, alternating; the faster of two runs each.
        var pipelinedRuns = [Run](), sequentialRuns = [Run]()
        for round in 0..<2 {
            pipelinedRuns.append(try await syncRun(store: "S000\(1 + 4 * round)", viaProxy: false, gzip: true))
            Progress.note("e2e direct, gzip: \(records) records in \(String(format: "%.2f", pipelinedRuns.last!.seconds)) s")
            sequentialRuns.append(try await syncRun(store: "S000\(4 + 2 * round)", viaProxy: false, gzip: true, pipelined: false))
            Progress.note("e2e direct, gzip, one batch at a time: \(String(format: "%.2f", sequentialRuns.last!.seconds)) s")
        }
        let direct = pipelinedRuns.min { $0.seconds < $1.seconds }!
        let sequential = sequentialRuns.min { $0.seconds < $1.seconds }!
        let csv = directory.appendingPathComponent("e2e-stock.csv").path
        try CSVImportScenario.csv(rows: records).write(toFile: csv, atomically: true, encoding: .utf8)
        let floor = try SQLiteImportBaseline.bestSeconds(csv: csv, directory: directory, name: "e2e-sqlite")
        let gzip = try await syncRun(store: "S0002", viaProxy: true, gzip: true)
        Progress.note("e2e via proxy, gzip: \(String(format: "%.2f", gzip.seconds)) s, \(gzip.sent + gzip.received) bytes")
        let identity = try await syncRun(store: "S0003", viaProxy: true, gzip: false)
        Progress.note("e2e via proxy, identity: \(String(format: "%.2f", identity.seconds)) s, \(identity.sent + identity.received) bytes")
        let n = Double(records)
        func perRecord(_ run: Run) -> Double { Double(run.sent + run.received) / n }
        func bytes(_ run: Run) -> String {
            String(format: "%.1f B (%.1f + %.2f)", perRecord(run), Double(run.sent) / n, Double(run.received) / n)
        }
        let targeted = records == 100_000
        var rows = [
            ResultRow(Self.name, "\(Format.count(records)) records, gzip (as shipped): records/s", n / direct.seconds, unit: "/s",
                      display: Format.number(n / direct.seconds) + " /s"),
            ResultRow(Self.name, "\(Format.count(records)) records, gzip, pipelined: wall time (best of 2)", direct.seconds, unit: "s",
                      display: String(format: "%.2f s", direct.seconds), target: targeted ? "< 1.2 s" : nil,
                      met: targeted ? direct.seconds < 1.2 : nil),
            ResultRow(Self.name, "  the same, one batch at a time (pipelined = false), same run, best of 2", sequential.seconds, unit: "s",
                      display: String(format: "%.2f s (pipelined is %.2f× as fast)", sequential.seconds, sequential.seconds / direct.seconds)),
            ResultRow(Self.name, "    of which in transport (encode, gzip, HTTP, hub, decode)", sequential.transportSeconds, unit: "s",
                      display: String(format: "%.2f s", sequential.transportSeconds)),
            ResultRow(Self.name, "    of which agent database (outbox read, acknowledge)", sequential.seconds - sequential.transportSeconds,
                      unit: "s", display: String(format: "%.2f s", sequential.seconds - sequential.transportSeconds)),
            ResultRow(Self.name, "  sqlite3 .import of the same records as CSV into a keyed WAL table", floor, unit: "s",
                      display: String(format: "%.2f s", floor)),
            ResultRow(Self.name, "  pipelined sync time / sqlite3 .import time", direct.seconds / floor, unit: "×",
                      display: String(format: "%.1f×", direct.seconds / floor), target: "≤ 6×", met: direct.seconds / floor <= 6),

            ResultRow(Self.name, "batches of 5,000 (pipelined: sent ahead and sent again)", Double(direct.batches), unit: "",
                      display: "\(direct.batches) (\(direct.sentAgain))"),
            ResultRow(Self.name, "on the wire per record, gzip (sent + received)", perRecord(gzip), unit: "B",
                      display: bytes(gzip), target: "< 60 B", met: perRecord(gzip) < 60),
            ResultRow(Self.name, "on the wire per record, identity (compressAbove: 0)", perRecord(identity), unit: "B",
                      display: bytes(identity)),
            ResultRow(Self.name, "through the counting proxy: wall time gzip / identity", gzip.seconds, unit: "s",
                      display: String(format: "%.2f s / %.2f s", gzip.seconds, identity.seconds)),
            ResultRow(Self.name, "agent importStock (setup, one transaction) records/s", n / direct.importSeconds, unit: "/s",
                      display: Format.number(n / direct.importSeconds) + " /s"),
        ]
        if let payload = identity.payload { rows += payloadRows(payload) }
        rows += try peerRows(direct: direct, gzip: gzip)
        return rows
    }

    /// Yrs on the same records, in memory, beside Baogong's durable sync over loopback.
    func peerRows(direct: Run, gzip: Run) throws -> [ResultRow] {
        let entries = (0..<records).map { Workload.entry(index: $0) }
        let (figures, skipped) = try YrsPeer.measure(entries, store: "S0001", directory: directory)
        guard let yrs = figures else {
            return [ResultRow(Self.name, "peer: Yrs (pycrdt)", 0, unit: "", display: "skipped", note: skipped)]
        }
        let n = Double(records)
        let baogongBytes = Double(gzip.sent + gzip.received) / n
        return [
            ResultRow(Self.name, "peer: Yrs \(yrs.version) (pycrdt) applies \(Format.count(yrs.records)) records as one update, in memory: records/s",
                      Double(yrs.records) / yrs.applySeconds, unit: "/s",
                      display: Format.number(Double(yrs.records) / yrs.applySeconds) + String(format: " /s (%.2f s)", yrs.applySeconds)),
            ResultRow(Self.name, "peer: Yrs update bytes per record", Double(yrs.updateBytes) / Double(yrs.records), unit: "B",
                      display: String(format: "%.1f B", Double(yrs.updateBytes) / Double(yrs.records))),
            ResultRow(Self.name, "beside it: Baogong, durable (SQLite, both ends) over loopback HTTP: records/s", n / direct.seconds,
                      unit: "/s", display: Format.number(n / direct.seconds) + String(format: " /s (%.2f s)", direct.seconds)),
            ResultRow(Self.name, "beside it: Baogong bytes per record on the wire (gzip, both ways)", baogongBytes, unit: "B",
                      display: String(format: "%.1f B", baogongBytes)),
        ]
    }

    func syncRun(store: String, viaProxy: Bool, gzip: Bool, pipelined: Bool = true, records: Int? = nil) async throws -> Run {
        let records = records ?? self.records
        return try await SyncFixture.with(in: directory, name: "hub-\(store)") { fixture in
            let agent = try await fixture.agent(store: store, viaProxy: viaProxy)
            let entries = (0..<records).map { Workload.entry(index: $0) }
            let (_, importSeconds) = try await Measure.time { try await agent.importStock(entries) }
            let transport = TimingTransport(gzip ? HTTPSyncTransport() : HTTPSyncTransport(compressAbove: 0))
            var client = SyncClient(database: agent, transport: transport)
            client.pipelined = pipelined
            let before = fixture.proxy.counters.snapshot
            let (report, seconds) = try await Measure.time { try await client.syncOnce() }
            let after = fixture.proxy.counters.snapshot
            let stored = try Query.int(fixture.database.writer, "SELECT COUNT(*) FROM stock WHERE store = ?", [store])
            guard report.sent == records, stored == records, try await agent.status().pending == 0 else {
                throw BenchError("e2e: sent \(report.sent), hub stored \(stored) of \(records)")
            }
            let payload = await viaProxy && !gzip ? try measurePayload(agent) : nil
            return Run(
                seconds: seconds, transportSeconds: transport.seconds, importSeconds: importSeconds,
                batches: report.batches, sentAgain: report.sentAgain, sent: after.sent - before.sent, received: after.received - before.received,
                payload: payload
            )
        }
    }

    // MARK: - Payload: JSON and gzip

    /// Figures of one full request body of 5,000 records, as the agent builds it.
    struct Payload {
        var records = 0
        var json = 0
        var gzip1 = 0
        var gzip6 = 0
        var encodeSeconds = 0.0
        var decodeSeconds = 0.0
        /// Foundation's JSONEncoder and JSONDecoder on the same request, the baseline of the direct coder.
        var foundationEncodeSeconds = 0.0
        var foundationDecodeSeconds = 0.0
        var gzip1Seconds = 0.0
        var gzip6Seconds = 0.0
        var gunzipSeconds = 0.0
    }

    /// Encodes the agent's first batch again as `HTTPSyncTransport` does (and with Foundation's coders
    /// for comparison), and compresses it.
    func measurePayload(_ agent: AgentDatabase) async throws -> Payload {
        let identity = try await agent.identity()
        let logged = try await agent.writer.read { db in
            try RecordStore.changes(byReplica: identity.replica, after: 0, limit: 5_000, in: db)
        }
        var changes = logged.map(\.change)
        for i in changes.indices { changes[i].replica = nil }
        let request = SyncRequest(
            store: identity.store, replica: identity.replica, cursor: 0, upto: logged.last?.seq ?? 0, pending: 0,
            sentAt: Int64(Workload.nowMilliseconds()), changes: changes
        )
        var p = Payload(records: changes.count)
        var encode = [Double](), decode = [Double](), z1 = [Double](), z6 = [Double](), unz = [Double]()
        var foundationEncode = [Double](), foundationDecode = [Double]()
        for _ in 0..<3 {
            let (body, e) = try Measure.time { try request.jsonData() }
            encode.append(e)
            decode.append(try Measure.time { _ = try SyncRequest(jsonData: body) }.1)
            let (foundationBody, fe) = try Measure.time { try JSONEncoder().encode(request) }
            foundationEncode.append(fe)
            foundationDecode.append(try Measure.time { _ = try JSONDecoder().decode(SyncRequest.self, from: foundationBody) }.1)
            let (c1, t1) = try Measure.time { try Gzip.compress(body, level: 1) }
            let (c6, t6) = try Measure.time { try Gzip.compress(body, level: 6) }
            z1.append(t1)
            z6.append(t6)
            unz.append(try Measure.time { _ = try Gzip.decompress(c6, limit: 1 << 28) }.1)
            p.json = body.count
            p.gzip1 = c1.count
            p.gzip6 = c6.count
        }
        p.encodeSeconds = Measure.median(encode)
        p.decodeSeconds = Measure.median(decode)
        p.foundationEncodeSeconds = Measure.median(foundationEncode)
        p.foundationDecodeSeconds = Measure.median(foundationDecode)
        p.gzip1Seconds = Measure.median(z1)
        p.gzip6Seconds = Measure.median(z6)
        p.gunzipSeconds = Measure.median(unz)
        return p
    }

    /// Sizes and costs of one 5,000-record request body (the library's `Gzip`, level 6 by default).
    func payloadRows(_ p: Payload) -> [ResultRow] {
        let n = Double(p.records)
        func ms(_ s: Double) -> String { Format.milliseconds(s) }
        return [
            ResultRow(Self.name, "request body per record: JSON / gzip -6 / gzip -1", Double(p.json) / n, unit: "B",
                      display: String(format: "%.1f / %.1f / %.1f B", Double(p.json) / n, Double(p.gzip6) / n, Double(p.gzip1) / n)),
            ResultRow(Self.name, "encode one 5,000-record request: SyncWireFormat / JSONEncoder", p.encodeSeconds, unit: "s",
                      display: "\(ms(p.encodeSeconds)) / \(ms(p.foundationEncodeSeconds))"),
            ResultRow(Self.name, "decode it: SyncWireFormat / JSONDecoder", p.decodeSeconds, unit: "s",
                      display: "\(ms(p.decodeSeconds)) / \(ms(p.foundationDecodeSeconds))"),
            ResultRow(Self.name, "gzip -6 / gzip -1 of that body", p.gzip6Seconds, unit: "s",
                      display: "\(ms(p.gzip6Seconds)) / \(ms(p.gzip1Seconds))"),
            ResultRow(Self.name, "inflating that body", p.gunzipSeconds, unit: "s", display: ms(p.gunzipSeconds)),
        ]
    }
}
