@testable import BaogongHub
import BaogongModel
import BaogongTestSupport
import Foundation
import Hummingbird
import Testing

/// The same workload on SQLite and on PostgreSQL gives the same answers, to the byte: every sync
/// answer, the views, fleet status, a record's history, and compaction (what it drops, and what a
/// device away for longer than the retention is sent when it comes back).
@Suite("Backend equivalence")
struct BackendEquivalenceTests {
    typealias D = HubDatabaseTests
    static let start = Timestamps.parse("2020-01-01T00:00:00Z")!

    /// A seeded workload of `days` days; returns a transcript of every answer, encoded.
    static func run(_ backend: Backend, seed: UInt64, days: Int) async throws -> [String] {
        let hub = try await backend.open(seededAt: start)
        var transcript = [String]()
        var random = SeededRandom(seed: seed)
        let encoder = JSONResponse.encoder
        let stores = ["S01", "S02", "S03"]
        for store in stores { _ = try await hub.addStore(id: store, name: "Store \(store)", township: nil, kind: .supermarket, now: start) }
        var upto = [String: Int64](), cursors = [String: Int64]()
        // Notice ids are random: the transcript names them by their order.
        var noticeIDs = [String]()
        // A device that syncs on the first day only.
        let first = try await hub.sync(D.request("S01", replica: "S01.away", upto: 0, []), store: "S01", now: start)
        transcript.append("away-first \(first.cursor) \(first.changes.count)")
        for day in 0..<days {
            let morning = start.addingTimeInterval(Double(day) * 86_400 + 7_200)
            let date = try CalendarDate("2020-01-01").adding(days: day)
            if day % 5 == 0 {
                _ = try await hub.updateCatalog(id: "eggs", unit: nil, nameEnglish: nil, nameChinese: nil, minDays: 2 + day % 4, now: morning)
            }
            if day % 9 == 0 { noticeIDs.append(try await hub.postNotice("day \(day)", now: morning)) }
            for store in stores {
                var changes = [Change]()
                for (n, commodity) in ["rice", "oil", "eggs"].enumerated() where Int.random(in: 0..<4, using: &random) > 0 {
                    for round in 0..<Int.random(in: 1...2, using: &random) {
                        changes.append(Change(
                            set: "stock", key: "\(store)/\(commodity)/\(date)",
                            timestamp: HLCTimestamp(milliseconds: UInt64(morning.timeIntervalSince1970 * 1000) + UInt64(n * 10 + round * 3600_000), counter: 0),
                            replica: nil,
                            fields: ["on_hand": .real(Double(Int.random(in: 10...500, using: &random))), "price": .int(Int64(500 + n)),
                                     "sold": .real(Double(Int.random(in: 0...40, using: &random)))]
                        ))
                    }
                }
                changes.append(Change(
                    set: "checkpoint", key: "\(store)/\(date)",
                    timestamp: HLCTimestamp(milliseconds: UInt64(morning.timeIntervalSince1970 * 1000) + 99, counter: 0),
                    replica: nil, counters: ["checked": Int64(Int.random(in: 50...300, using: &random))]
                ))
                // Now and then a device sends its batch twice (a lost answer).
                let times = Int.random(in: 0..<5, using: &random) == 0 ? 2 : 1
                upto[store, default: 0] += Int64(changes.count)
                for _ in 0..<times {
                    let request = D.request(store, replica: "\(store).till", cursor: cursors[store] ?? 0, upto: upto[store]!,
                                            sentAt: Int64(morning.timeIntervalSince1970 * 1000) + 7_200_000, changes)
                    let answer = try await hub.sync(request, store: store, now: morning.addingTimeInterval(7_200))
                    cursors[store] = answer.cursor
                    transcript.append("sync \(store) \(day): " + String(decoding: try encoder.encode(answer), as: UTF8.self))
                }
            }
            if day % 10 == 9 {
                let report = try await hub.compact(retainDays: 7, now: morning.addingTimeInterval(10_800), chunk: 50)
                transcript.append("compact \(day): " + String(decoding: try encoder.encode(report), as: UTF8.self))
            }
        }
        let end = start.addingTimeInterval(Double(days) * 86_400)
        let date = try CalendarDate("2020-01-01").adding(days: days - 1)
        let snapshot = try await hub.snapshot(date: date, now: end)
        transcript.append("supply " + String(decoding: try encoder.encode(snapshot.supply()), as: UTF8.self))
        transcript.append("reporting " + String(decoding: try encoder.encode(snapshot.reporting()), as: UTF8.self))
        transcript.append("alerts " + String(decoding: try encoder.encode(snapshot.alerts()), as: UTF8.self))
        transcript.append("status " + String(decoding: try encoder.encode(try await hub.fleetStatus(now: end)), as: UTF8.self))
        transcript.append("history " + String(decoding: try encoder.encode(try await hub.history(set: .stock, key: "S02/rice/\(date)")), as: UTF8.self))
        let records = try await hub.records(set: .stock, store: "S03", date: nil, afterSeq: 0, limit: 10_000)
        transcript.append("records " + records.map { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") }
            .joined(separator: "\n"))
        // The device away since day one: behind the compaction, it is sent the current state.
        let back = try await hub.sync(D.request("S01", replica: "S01.away", cursor: first.cursor, upto: 0, []), store: "S01", now: end)
        transcript.append("away-back " + String(decoding: try encoder.encode(back), as: UTF8.self))
        transcript.append("log \(try await hub.count("change_log")) lost \(try await hub.count("lost_write"))")
        return transcript.map { line in
            noticeIDs.enumerated().reduce(line) { $0.replacingOccurrences(of: $1.element, with: "notice-\($1.offset)") }
        }
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func aSeededMonthGivesTheSameAnswersOnBothBackends(seed: UInt64) async throws {
        guard Backend.all.contains(.postgres) else { return }
        let sqlite = try await Self.run(.sqlite, seed: seed, days: 30)
        let postgres = try await Self.run(.postgres, seed: seed, days: 30)
        #expect(sqlite.count == postgres.count)
        for (a, b) in zip(sqlite, postgres) where a != b {
            let same = zip(a, b).prefix { $0 == $1 }.count
            Issue.record("SQLite and PostgreSQL differ after \(same) characters of \(a.prefix(24)):\n…\(a.dropFirst(max(0, same - 200)).prefix(400))\n…\(b.dropFirst(max(0, same - 200)).prefix(400))")
            break
        }
        #expect(sqlite.contains { $0.hasPrefix("compact") && !$0.contains("\"dropped\":0,") }, "compaction dropped something")
    }
}
