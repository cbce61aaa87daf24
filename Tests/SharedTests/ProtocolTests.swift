import BaogongModel
import Foundation
import Testing

@Suite("Wire protocol")
struct ProtocolTests {
    /// The JSON encoding is stable: short keys, one object per record, empty maps left out.
    @Test func changeEncodingIsStable() throws {
        let change = Change(
            set: "stock", key: "S01/rice/2020-02-10", timestamp: HLCTimestamp(milliseconds: 1_581_300_000_000, counter: 2),
            replica: nil, fields: ["on_hand": .real(1000), "price": .int(520), "source": .text("Qijia")]
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(change), as: UTF8.self)
        #expect(json == #"{"f":{"on_hand":1000,"price":520,"source":"Qijia"},"k":"S01/rice/2020-02-10","s":"stock","t":103632076800000002}"#)
        let decoded = try JSONDecoder().decode(Change.self, from: Data(json.utf8))
        #expect(decoded.key == change.key)
        #expect(decoded.timestamp == change.timestamp)
        #expect(decoded.fields["price"] == .int(520))
        #expect(decoded.fields["source"] == .text("Qijia"))
    }

    @Test func requestCarriesProtocolAndSchemaVersions() throws {
        let request = SyncRequest(store: "S01", replica: "S01.a", cursor: 4, upto: 9, pending: 0, sentAt: 1, changes: [])
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(request)) as! [String: Any]
        #expect(object["protocol"] as? Int == SyncProtocol.protocolVersion)
        #expect(object["schema"] as? Int == SyncProtocol.schemaVersion)
        #expect(Set(object.keys) == ["protocol", "schema", "store", "replica", "cursor", "upto", "pending", "sent_at", "changes"])
    }

    @Test func malformedValuesAreDecodingErrors() {
        let negative = #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Change.self, from: Data(#"{"s":"stock","k":"a","t":-1}"#.utf8))
        }
        #expect(negative?.context?.debugDescription == "timestamp out of range (negative or beyond the year 6429)")
        let array = #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Change.self, from: Data(#"{"s":"stock","k":"a","t":1,"f":{"x":[1]}}"#.utf8))
        }
        #expect(array?.context?.debugDescription == "a field value must be a number, a string or null")
    }
}

private extension DecodingError {
    /// The context every case carries: the coding path and what was wrong.
    var context: Context? {
        switch self {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context), .dataCorrupted(let context):
            context
        @unknown default:
            nil
        }
    }
}
