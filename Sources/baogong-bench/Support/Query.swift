import GRDB

/// Synchronous reads for async scenarios (inside an async function GRDB would pick its async `read`).
enum Query {
    static func int(_ writer: any DatabaseWriter, _ sql: String, _ arguments: StatementArguments = []) throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0 }
    }
}
