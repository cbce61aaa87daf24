import Foundation

/// The JSON of `POST /v1/sync` written and read directly, without `JSONEncoder`/`JSONDecoder`.
///
/// The document is the same one the `Codable` conformances describe (docs/protocol.md): the same
/// keys, optional keys left out when empty, unknown keys ignored, `null` for an optional key read
/// as absent, and of duplicate keys the first one read (as `JSONDecoder` reads them). Tests check
/// both directions against Foundation's coders.
///
/// Kept on purpose, measured (docs/performance.md, release build, one 5,000-record request): writing
/// takes 3.7 ms here against 38 ms with `JSONEncoder` (10×), reading 12.4 ms against 61.6 ms with
/// `JSONDecoder` (5×). Every agent writes such a batch and the hub reads it on every sync.
extension SyncRequest {
    /// The request as a JSON document.
    public func jsonData() throws(WireFormatError) -> Data {
        var w = JSONWriter(capacity: 128 + changes.count * 240)
        w.raw("{\"protocol\":")
        w.int(protocolVersion)
        w.raw(",\"schema\":")
        w.int(schemaVersion)
        w.raw(",\"store\":")
        w.string(store)
        w.raw(",\"replica\":")
        w.string(replica)
        w.raw(",\"cursor\":")
        w.int(cursor)
        w.raw(",\"upto\":")
        w.int(upto)
        if let acked {
            w.raw(",\"acked\":")
            w.int(acked)
        }
        w.raw(",\"pending\":")
        w.int(pending)
        w.raw(",\"sent_at\":")
        w.int(sentAt)
        w.raw(",\"changes\":")
        try Change.write(changes, to: &w)
        w.byte(UInt8(ascii: "}"))
        return Data(w.bytes)
    }

    /// Reads a request; a missing key, a value of the wrong type or malformed JSON is an error that
    /// names where it is (`changes[3].t: expected an integer`).
    public init(jsonData data: Data) throws(WireFormatError) {
        var protocolVersion: Int?, schemaVersion: Int?, store: String?, replica: String?
        var cursor: Int64?, upto: Int64?, acked: Int64?, pending: Int64?, sentAt: Int64?
        var changes: [Change]?
        var ackedSeen = false
        // As with JSONDecoder, the first of duplicate keys wins; the others need only be valid JSON.
        try JSONReader.read(data) { (r: inout JSONReader) throws(WireFormatError) in
            try r.object { (r: inout JSONReader, key: String) throws(WireFormatError) in
                switch key {
                case "protocol" where protocolVersion == nil: protocolVersion = try r.int()
                case "schema" where schemaVersion == nil: schemaVersion = try r.int()
                case "store" where store == nil: store = try r.string()
                case "replica" where replica == nil: replica = try r.string()
                case "cursor" where cursor == nil: cursor = try r.int64()
                case "upto" where upto == nil: upto = try r.int64()
                case "acked" where !ackedSeen:
                    ackedSeen = true
                    acked = try r.skipNull() ? nil : r.int64()
                case "pending" where pending == nil: pending = try r.int64()
                case "sent_at" where sentAt == nil: sentAt = try r.int64()
                case "changes" where changes == nil: changes = try Change.readArray(&r)
                default: try r.skipValue()
                }
            }
        }
        self.init(
            protocolVersion: try required(protocolVersion, "protocol"), schemaVersion: try required(schemaVersion, "schema"),
            store: try required(store, "store"), replica: try required(replica, "replica"), cursor: try required(cursor, "cursor"),
            upto: try required(upto, "upto"), acked: acked, pending: try required(pending, "pending"),
            sentAt: try required(sentAt, "sent_at"), changes: try required(changes, "changes")
        )
    }
}

extension SyncResponse {
    /// The response as a JSON document.
    public func jsonData() throws(WireFormatError) -> Data {
        var w = JSONWriter(capacity: 128 + changes.count * 240)
        w.raw("{\"protocol\":")
        w.int(protocolVersion)
        w.raw(",\"schema\":")
        w.int(schemaVersion)
        w.raw(",\"acked\":")
        w.int(acked)
        w.raw(",\"cursor\":")
        w.int(cursor)
        w.raw(",\"more\":")
        w.bool(more)
        w.raw(",\"merged\":")
        w.int(merged)
        if let hubTime {
            w.raw(",\"hub_time\":")
            w.int(hubTime)
        }
        w.raw(",\"changes\":")
        try Change.write(changes, to: &w)
        w.byte(UInt8(ascii: "}"))
        return Data(w.bytes)
    }

    public init(jsonData data: Data) throws(WireFormatError) {
        var protocolVersion: Int?, schemaVersion: Int?, acked: Int64?, cursor: Int64?, more: Bool?, merged: Int?
        var hubTime: Int64?
        var changes: [Change]?
        try JSONReader.read(data) { (r: inout JSONReader) throws(WireFormatError) in
            try r.object { (r: inout JSONReader, key: String) throws(WireFormatError) in
                switch key {
                case "protocol" where protocolVersion == nil: protocolVersion = try r.int()
                case "schema" where schemaVersion == nil: schemaVersion = try r.int()
                case "acked" where acked == nil: acked = try r.int64()
                case "cursor" where cursor == nil: cursor = try r.int64()
                case "more" where more == nil: more = try r.bool()
                case "merged" where merged == nil: merged = try r.int()
                case "changes" where changes == nil: changes = try Change.readArray(&r)
                case "hub_time" where hubTime == nil: hubTime = try r.int64()
                default: try r.skipValue()
                }
            }
        }
        self.init(
            protocolVersion: try required(protocolVersion, "protocol"), schemaVersion: try required(schemaVersion, "schema"),
            acked: try required(acked, "acked"), cursor: try required(cursor, "cursor"), more: try required(more, "more"),
            merged: try required(merged, "merged"), changes: try required(changes, "changes"), hubTime: hubTime
        )
    }
}

extension Change {
    static func write(_ changes: [Change], to w: inout JSONWriter) throws(WireFormatError) {
        w.byte(UInt8(ascii: "["))
        for (index, change) in changes.enumerated() {
            if index > 0 { w.byte(UInt8(ascii: ",")) }
            do throws(WireFormatError) {
                try change.write(to: &w)
            } catch {
                throw error.inside(index: index).inside(key: "changes")
            }
        }
        w.byte(UInt8(ascii: "]"))
    }

    /// `{"s":…,"k":…,"t":…,"r":…,"f":{…},"c":{…},"d":{…}}`, leaving out an absent replica and empty maps.
    func write(to w: inout JSONWriter) throws(WireFormatError) {
        w.raw("{\"s\":")
        w.string(set)
        w.raw(",\"k\":")
        w.string(key)
        w.raw(",\"t\":")
        w.int(Int64(bitPattern: timestamp.rawValue))
        if let replica {
            w.raw(",\"r\":")
            w.string(replica)
        }
        if !fields.isEmpty {
            w.raw(",\"f\":{")
            var first = true
            // In name order: a deterministic body, and similar records compress better
            // (gzip -6 of a stock batch: 25.5 B a record in hash order, 17.9 B in name order).
            for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
                if !first { w.byte(UInt8(ascii: ",")) }
                first = false
                w.string(name)
                w.byte(UInt8(ascii: ":"))
                switch value {
                case .null: w.null()
                case .int(let v): w.int(v)
                case .real(let v):
                    do throws(WireFormatError) { try w.double(v) } catch { throw error.inside(key: name).inside(key: "f") }
                case .text(let v): w.string(v)
                }
            }
            w.byte(UInt8(ascii: "}"))
        }
        if !counters.isEmpty {
            w.raw(",\"c\":")
            Self.write(counters, to: &w)
        }
        if !decrements.isEmpty {
            w.raw(",\"d\":")
            Self.write(decrements, to: &w)
        }
        w.byte(UInt8(ascii: "}"))
    }

    private static func write(_ slots: [String: Int64], to w: inout JSONWriter) {
        w.byte(UInt8(ascii: "{"))
        var first = true
        for (name, value) in slots.sorted(by: { $0.key < $1.key }) {
            if !first { w.byte(UInt8(ascii: ",")) }
            first = false
            w.string(name)
            w.byte(UInt8(ascii: ":"))
            w.int(value)
        }
        w.byte(UInt8(ascii: "}"))
    }

    static func readArray(_ r: inout JSONReader) throws(WireFormatError) -> [Change] {
        var changes = [Change]()
        try r.array { (r: inout JSONReader, _: Int) throws(WireFormatError) in changes.append(try Change(reading: &r)) }
        return changes
    }

    init(reading r: inout JSONReader) throws(WireFormatError) {
        var set: String?, key: String?, timestamp: HLCTimestamp?, replica: String?
        var fields = [String: FieldValue](), counters = [String: Int64](), decrements = [String: Int64]()
        var seen = (replica: false, fields: false, counters: false, decrements: false)
        try r.object { (r: inout JSONReader, name: String) throws(WireFormatError) in
            switch name {
            case "s" where set == nil: set = try r.string()
            case "k" where key == nil: key = try r.string()
            case "t" where timestamp == nil:
                let raw = try r.int64()
                guard raw >= 0, UInt64(raw) >> 16 <= HLCTimestamp.maxMilliseconds else {
                    throw WireFormatError("timestamp out of range (negative or beyond the year 6429)")
                }
                timestamp = HLCTimestamp(rawValue: UInt64(raw))
            case "r" where !seen.replica:
                seen.replica = true
                replica = try r.skipNull() ? nil : r.string()
            case "f" where !seen.fields:
                seen.fields = true
                guard try !r.skipNull() else { break }
                try r.object { (r: inout JSONReader, field: String) throws(WireFormatError) in
                    if fields[field] == nil { fields[field] = try FieldValue(reading: &r) } else { try r.skipValue() }
                }
            case "c" where !seen.counters:
                seen.counters = true
                counters = try Self.readSlots(&r)
            case "d" where !seen.decrements:
                seen.decrements = true
                decrements = try Self.readSlots(&r)
            default: try r.skipValue()
            }
        }
        self.init(
            set: try required(set, "s"), key: try required(key, "k"), timestamp: try required(timestamp, "t"), replica: replica,
            fields: fields, counters: counters, decrements: decrements
        )
    }

    private static func readSlots(_ r: inout JSONReader) throws(WireFormatError) -> [String: Int64] {
        var slots = [String: Int64]()
        guard try !r.skipNull() else { return slots }
        try r.object { (r: inout JSONReader, name: String) throws(WireFormatError) in
            if slots[name] == nil { slots[name] = try r.int64() } else { try r.skipValue() }
        }
        return slots
    }
}

extension FieldValue {
    /// null, a number (an Int64 when it is one exactly, as `JSONDecoder` reads it) or a string.
    init(reading r: inout JSONReader) throws(WireFormatError) {
        switch try r.peek() {
        case UInt8(ascii: "n"):
            _ = try r.skipNull()
            self = .null
        case UInt8(ascii: "\""): self = .text(try r.string())
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "{"), UInt8(ascii: "["):
            throw WireFormatError("a field value must be a number, a string or null")
        default:
            let number = try r.number()
            self = number.exactInt.map(FieldValue.int) ?? .real(number.doubleValue)
        }
    }
}

extension JSONReader {
    /// Reads one whole document from `data` with `body`, then checks nothing follows it.
    static func read(_ data: Data, _ body: (inout JSONReader) throws(WireFormatError) -> Void) throws(WireFormatError) {
        let result: Result<Void, WireFormatError> = data.withUnsafeBytes { raw in
            var reader = JSONReader(raw.bindMemory(to: UInt8.self))
            reader.skipByteOrderMark()
            do throws(WireFormatError) {
                try body(&reader)
                try reader.finish()
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }
}

private func required<T>(_ value: T?, _ key: String) throws(WireFormatError) -> T {
    guard let value else { throw WireFormatError("missing key '\(key)'") }
    return value
}
