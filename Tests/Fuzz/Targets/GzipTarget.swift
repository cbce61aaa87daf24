import BaogongModel
import Foundation

/// libFuzzer target `gzip`: arbitrary bytes as a gzip body (`Gzip.decompress`, bounded), and the
/// round trip of the same bytes (`Gzip.compress` at a level taken from the input, then
/// `Gzip.decompress` with a limit of exactly their length).
///
/// Decompressing must return at most `limit` bytes or throw; the round trip must give the input back,
/// and one byte less of limit must be refused. Anything else, or a trap, is a finding.

/// Big enough for the largest input libFuzzer makes here, small enough to reach the limit quickly.
let inflateLimit = 1 << 20

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGzip(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()

    if let inflated = try? Gzip.decompress(data, limit: inflateLimit), inflated.count > inflateLimit {
        fatalError("inflated \(inflated.count) bytes past the limit of \(inflateLimit)")
    }

    let level = Int32((data.first ?? 0) % 10)
    let packed: Data
    do { packed = try Gzip.compress(data, level: level) } catch { fatalError("compress at level \(level): \(error)") }
    guard Gzip.isCompressed(packed) else { fatalError("compressed output lacks the gzip magic bytes") }
    do {
        let unpacked = try Gzip.decompress(packed, limit: data.count)
        guard unpacked == data else { fatalError("the round trip changed \(data.count) bytes") }
    } catch {
        fatalError("the round trip of \(data.count) bytes failed: \(error)")
    }
    if !data.isEmpty, (try? Gzip.decompress(packed, limit: data.count - 1)) != nil {
        fatalError("\(data.count) bytes inflated under a limit of \(data.count - 1)")
    }
    return 0
}
