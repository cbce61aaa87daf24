import BaogongModel
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// A value bound to, or read from, a PostgreSQL statement: the five kinds the hub stores.
enum SQLValue: Sendable, Hashable {
    case null
    case int(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    init(_ field: FieldValue) {
        switch field {
        case .null: self = .null
        case .int(let v): self = .int(v)
        case .real(let v): self = .real(v)
        case .text(let v): self = .text(v)
        }
    }

    init(_ text: String?) { self = text.map(SQLValue.text) ?? .null }
    init(_ number: Double?) { self = number.map(SQLValue.real) ?? .null }
    init(_ number: Int64?) { self = number.map(SQLValue.int) ?? .null }
}

/// A type read from one column of an `SQLRow`.
protocol SQLColumnDecodable {
    init?(sqlValue: SQLValue)
}

extension String: SQLColumnDecodable {
    init?(sqlValue: SQLValue) {
        guard case .text(let v) = sqlValue else { return nil }
        self = v
    }
}

extension Int64: SQLColumnDecodable {
    init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .int(let v): self = v
        case .real(let v): self = Int64(v)
        default: return nil
        }
    }
}

extension Int: SQLColumnDecodable {
    init?(sqlValue: SQLValue) {
        guard let v = Int64(sqlValue: sqlValue) else { return nil }
        self = Int(v)
    }
}

extension Double: SQLColumnDecodable {
    init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .real(let v): self = v
        case .int(let v): self = Double(v)
        default: return nil
        }
    }
}

extension Bool: SQLColumnDecodable {
    init?(sqlValue: SQLValue) {
        guard case .int(let v) = sqlValue else { return nil }
        self = v != 0
    }
}

extension Data: SQLColumnDecodable {
    init?(sqlValue: SQLValue) {
        guard case .blob(let v) = sqlValue else { return nil }
        self = Data(v)
    }
}

/// One row of a result, read by position like GRDB's `Row`: `let id: String = try row[0]`.
struct SQLRow: Sendable {
    let values: [SQLValue]

    subscript<T: SQLColumnDecodable>(_ index: Int) -> T {
        get throws {
            guard let value = T(sqlValue: values[index]) else {
                throw DomainError(.failed, field: "database", "column \(index) holds \(values[index]), not a \(T.self)")
            }
            return value
        }
    }

    subscript<T: SQLColumnDecodable>(_ index: Int) -> T? {
        get throws {
            if case .null = values[index] { return nil }
            guard let value = T(sqlValue: values[index]) else {
                throw DomainError(.failed, field: "database", "column \(index) holds \(values[index]), not a \(T.self)")
            }
            return value
        }
    }

    /// The column as a field value of a record (numbers keep their kind; bytes are not fields).
    func field(_ index: Int) -> FieldValue {
        switch values[index] {
        case .null, .blob: .null
        case .int(let v): .int(v)
        case .real(let v): .real(v)
        case .text(let v): .text(v)
        }
    }
}

/// Statements with `$1…$n` placeholders, their arguments given as `SQLValue`s.
extension PostgresConnection {
    func rows(_ sql: String, _ arguments: [SQLValue] = [], logger: Logger) async throws -> [SQLRow] {
        let sequence = try await query(PostgresQuery(unsafeSQL: sql, binds: bindings(arguments)), logger: logger)
        var result = [SQLRow]()
        for try await row in sequence {
            result.append(try SQLRow(values: row.map(Self.value)))
        }
        return result
    }

    func row(_ sql: String, _ arguments: [SQLValue] = [], logger: Logger) async throws -> SQLRow? {
        try await rows(sql, arguments, logger: logger).first
    }

    func execute(_ sql: String, _ arguments: [SQLValue] = [], logger: Logger) async throws {
        _ = try await query(PostgresQuery(unsafeSQL: sql, binds: bindings(arguments)), logger: logger)
    }

    /// Runs `sql` and returns how many rows it changed (`UPDATE`, `DELETE`): it must end with
    /// `RETURNING 1`, so the count is the rows returned.
    func changes(_ sql: String, _ arguments: [SQLValue] = [], logger: Logger) async throws -> Int {
        try await rows(sql, arguments, logger: logger).count
    }

    private func bindings(_ arguments: [SQLValue]) -> PostgresBindings {
        var binds = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument {
            case .null: binds.appendNull()
            case .int(let v): binds.append(v)
            case .real(let v): binds.append(v)
            case .text(let v): binds.append(v)
            case .blob(let v): binds.append(ByteBuffer(bytes: v))
            }
        }
        return binds
    }

    private static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .bool: return .int(try cell.decode(Bool.self) ? 1 : 0)
        case .int2, .int4, .int8: return .int(try cell.decode(Int64.self))
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .bytea:
            var buffer = try cell.decode(ByteBuffer.self)
            return .blob(buffer.readBytes(length: buffer.readableBytes) ?? [])
        case .numeric:
            // SUM() of bigints: whole numbers stay exact.
            let text = try cell.decode(String.self)
            if let n = Int64(text) { return .int(n) }
            return .real(Double(text) ?? 0)
        default: return .text(try cell.decode(String.self))
        }
    }
}
