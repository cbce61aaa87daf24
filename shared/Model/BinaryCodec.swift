/// A compact binary encoding of record states and change payloads for the SQLite store. Internal
/// storage only (the wire is JSON): it is several times cheaper than JSON on the merge path.
struct BinaryWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 128) { bytes.reserveCapacity(capacity) }

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func signed(_ value: Int64) { varint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    mutating func string(_ value: String) {
        var copy = value
        copy.withUTF8 { buffer in
            varint(UInt64(buffer.count))
            bytes.append(contentsOf: buffer)
        }
    }

    mutating func value(_ value: FieldValue) {
        switch value {
        case .null: bytes.append(0)
        case .int(let v): bytes.append(1); signed(v)
        case .real(let v):
            bytes.append(2)
            var bits = v.bitPattern
            for _ in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: bits)); bits >>= 8 }
        case .text(let v): bytes.append(3); string(v)
        }
    }
}

struct BinaryReader {
    struct Corrupt: Error {}
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func byte() throws -> UInt8 {
        guard offset < bytes.count else { throw Corrupt() }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
            guard shift < 64 else { throw Corrupt() }
        }
    }

    mutating func signed() throws -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    mutating func string() throws -> String {
        let count = Int(try varint())
        guard count >= 0, offset + count <= bytes.count else { throw Corrupt() }
        defer { offset += count }
        return String(decoding: bytes[offset..<offset + count], as: UTF8.self)
    }

    mutating func value() throws -> FieldValue {
        switch try byte() {
        case 0: return .null
        case 1: return .int(try signed())
        case 2:
            var bits: UInt64 = 0
            for i in 0..<8 { bits |= UInt64(try byte()) << (8 * UInt64(i)) }
            return .real(Double(bitPattern: bits))
        case 3: return .text(try string())
        default: throw Corrupt()
        }
    }
}

extension RecordState {
    /// Stable binary form: fields sorted by name, counter slots sorted by replica.
    package func encoded() -> [UInt8] {
        var w = BinaryWriter()
        w.varint(UInt64(fields.count))
        for (name, state) in fields.sorted(by: { $0.key < $1.key }) {
            w.string(name)
            switch state {
            case .register(let r):
                w.bytes.append(0)
                w.varint(r.timestamp.rawValue)
                w.string(r.replica)
                w.value(r.value)
            case .counter(let c):
                w.bytes.append(1)
                for slots in [c.increments, c.decrements] {
                    w.varint(UInt64(slots.count))
                    for (replica, n) in slots.sorted(by: { $0.key < $1.key }) {
                        w.string(replica)
                        w.signed(n)
                    }
                }
            }
        }
        return w.bytes
    }

    package init(encoded bytes: [UInt8]) throws {
        var r = BinaryReader(bytes)
        let count = Int(try r.varint())
        var fields = [String: FieldState](minimumCapacity: count)
        for _ in 0..<count {
            let name = try r.string()
            switch try r.byte() {
            case 0:
                let ts = HLCTimestamp(rawValue: try r.varint())
                let replica = try r.string()
                fields[name] = .register(LWWRegister(value: try r.value(), timestamp: ts, replica: replica))
            case 1:
                var maps: [[ReplicaID: Int64]] = []
                for _ in 0..<2 {
                    let n = Int(try r.varint())
                    var slots = [ReplicaID: Int64](minimumCapacity: n)
                    for _ in 0..<n { slots[try r.string()] = try r.signed() }
                    maps.append(slots)
                }
                fields[name] = .counter(PNCounter(increments: maps[0], decrements: maps[1]))
            default:
                throw BinaryReader.Corrupt()
            }
        }
        self.init(fields: fields)
    }
}

extension Change {
    /// The field part of a change (set, key, timestamp and replica live in their own columns).
    package func encodedPayload() -> [UInt8] {
        var w = BinaryWriter()
        w.varint(UInt64(fields.count))
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            w.string(name)
            w.value(value)
        }
        for map in [counters, decrements] {
            w.varint(UInt64(map.count))
            for (name, n) in map.sorted(by: { $0.key < $1.key }) {
                w.string(name)
                w.signed(n)
            }
        }
        return w.bytes
    }

    package init(set: String, key: String, timestamp: HLCTimestamp, replica: ReplicaID, payload: [UInt8]) throws {
        var r = BinaryReader(payload)
        var fields = [String: FieldValue]()
        for _ in 0..<Int(try r.varint()) {
            let name = try r.string()
            fields[name] = try r.value()
        }
        var maps: [[String: Int64]] = []
        for _ in 0..<2 {
            var map = [String: Int64]()
            for _ in 0..<Int(try r.varint()) {
                let name = try r.string()
                map[name] = try r.signed()
            }
            maps.append(map)
        }
        self.init(
            set: set, key: key, timestamp: timestamp, replica: replica,
            fields: fields, counters: maps[0], decrements: maps[1]
        )
    }
}
