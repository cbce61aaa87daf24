import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB

/// A county's sign-off (审核) of its figures for one date: `baogong-hub approve --date D`.
public struct DayApproval: Sendable, Hashable, Codable {
    public var date: String
    /// When it was signed off (ISO 8601, UTC).
    public var approvedAt: String
    public var note: String?
    /// The change log's position at the sign-off: a write for the date merged after it is flagged.
    public var throughSeq: Int64

    enum CodingKeys: String, CodingKey {
        case date, approvedAt = "approved_at", note, throughSeq = "through_seq"
    }
}

/// A store's write for an approved date that reached the hub after the sign-off: merged like any
/// other (nothing is lost), and listed so that the figures' change is seen (`after_approval`).
public struct AfterApprovalWrite: Sendable, Hashable, Codable {
    public var store: String
    public var set: String
    public var key: String
    /// Its position in the hub's change log (after the approval's `through_seq`).
    public var seq: Int64
    /// When it was written, by the writer's clock (ISO 8601, UTC).
    public var time: String
}

extension HubDatabase {
    static let approvalNoteLimit = 500

    /// Signs off the figures of `date`, or signs them off again (a fresh time and log position).
    public func approve(date: CalendarDate, note: String?, now: Date = Date()) async throws -> DayApproval {
        if let note, note.utf8.count > Self.approvalNoteLimit {
            throw DomainError(.invalidValue, field: "note", "at most \(Self.approvalNoteLimit) bytes, got \(note.utf8.count)")
        }
        return try await writer.write { db in
            let through = try RecordStore.lastSeq(in: db)
            try db.execute(
                sql: """
                    INSERT INTO approval(date, approved_at, note, through_seq, withdrawn_at) VALUES (?, ?, ?, ?, NULL)
                    ON CONFLICT(date) DO UPDATE SET approved_at = excluded.approved_at, note = excluded.note,
                        through_seq = excluded.through_seq, withdrawn_at = NULL
                    """,
                arguments: [date.description, now.timeIntervalSince1970, note, through]
            )
            return DayApproval(date: date.description, approvedAt: Timestamps.iso(now), note: note, throughSeq: through)
        }
    }

    /// Withdraws the sign-off of `date`; refuses a date that is not signed off.
    public func unapprove(date: CalendarDate, now: Date = Date()) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE approval SET withdrawn_at = ? WHERE date = ? AND withdrawn_at IS NULL",
                arguments: [now.timeIntervalSince1970, date.description]
            )
            guard db.changesCount == 1 else {
                throw DomainError(.notFound, field: "date", "\(date) is not signed off")
            }
        }
    }

    /// The standing sign-off of `date`, if any.
    static func approval(of date: CalendarDate, in db: Database) throws -> DayApproval? {
        try Row.fetchOne(
            db, sql: "SELECT approved_at, note, through_seq FROM approval WHERE date = ? AND withdrawn_at IS NULL",
            arguments: [date.description]
        ).map { row in
            DayApproval(
                date: date.description, approvedAt: Timestamps.iso(Date(timeIntervalSince1970: row[0])), note: row[1],
                throughSeq: row[2]
            )
        }
    }

    /// Stores' stock and checkpoint writes for `date` merged after the change log reached `seq`.
    static func writes(for date: CalendarDate, after seq: Int64, in db: Database) throws -> [AfterApprovalWrite] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT seq, record_set, key, store, ts FROM change_log
                WHERE seq > ? AND record_set IN ('stock', 'checkpoint') AND store IS NOT NULL AND key LIKE ?
                ORDER BY seq
                """,
            arguments: [seq, "%/" + date.description]
        ).map { row in
            let raw: Int64 = row[4]
            return AfterApprovalWrite(
                store: row[3], set: row[1], key: row[2], seq: row[0],
                time: Timestamps.iso(milliseconds: HLCTimestamp(rawValue: UInt64(bitPattern: raw)).milliseconds)
            )
        }
    }
}
