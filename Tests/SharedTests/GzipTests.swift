import BaogongModel
import Foundation
import Testing

@Suite("gzip bodies")
struct GzipTests {
    @Test func roundTripShrinksRepetitiveJSON() throws {
        let changes = (0..<500).map { i in
            Change(set: "stock", key: "S01/rice/2020-02-\(10 + i % 9)", timestamp: HLCTimestamp(rawValue: UInt64(i)), replica: nil,
                   fields: ["on_hand": .real(Double(1000 + i)), "price": .int(520), "source": .text("Qijia")])
        }
        let json = try JSONEncoder().encode(changes)
        let compressed = try Gzip.compress(json)
        #expect(Gzip.isCompressed(compressed))
        #expect(!Gzip.isCompressed(json))
        #expect(compressed.count * 4 < json.count, "\(json.count) → \(compressed.count) bytes")
        #expect(try Gzip.decompress(compressed, limit: json.count) == json)
    }

    @Test func inflationIsBoundedAndGarbageIsRefused() throws {
        let bomb = try Gzip.compress(Data(repeating: 0x61, count: 5_000_000))
        #expect(bomb.count < 20_000)
        let tooLarge = #expect(throws: Gzip.Failure.self) { try Gzip.decompress(bomb, limit: 1_000_000) }
        #expect(tooLarge?.description == "gzip: the body inflates beyond 1000000 bytes")
        let garbage = #expect(throws: Gzip.Failure.self) { try Gzip.decompress(Data([0x1F, 0x8B, 1, 2, 3]), limit: 100) }
        #expect(garbage?.description == "gzip: the body is not valid gzip (-3)")
        let truncated = try Gzip.compress(Data(repeating: 0x62, count: 10_000)).prefix(10)
        let cut = #expect(throws: Gzip.Failure.self) { try Gzip.decompress(Data(truncated), limit: 100_000) }
        #expect(cut?.description == "gzip: the body is truncated")
    }
}
