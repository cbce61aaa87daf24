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
