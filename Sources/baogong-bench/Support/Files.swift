import Foundation

/// Files and progress lines of a run.
enum Files {
    /// Removes a SQLite database and its WAL companions.
    static func removeDatabase(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }
}

/// Progress on standard error, so the table on standard output stays clean.
enum Progress {
    static let started = ContinuousClock.now

    static func note(_ message: String) {
        let t = Measure.seconds(ContinuousClock.now - started)
        FileHandle.standardError.write(Data((String(format: "[%7.1fs] ", t) + message + "\n").utf8))
    }
}

import GRDB

/// Synchronous reads for async scenarios (inside an async function GRDB would pick its async `read`).
enum Query {
    static func int(_ writer: any DatabaseWriter, _ sql: String, _ arguments: StatementArguments = []) throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0 }
    }
}
