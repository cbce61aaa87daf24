import Foundation

/// zlib's `compress2`/`uncompress`, loaded at run time (libz is already in the process through
/// libcurl), to measure what gzip would save on the wire and what it would cost in CPU without
/// changing the package's dependencies. gzip framing is 12 bytes longer than zlib framing
/// (10-byte header and 8-byte trailer instead of 2 and 4), which `gzipSize` adds.
struct Zlib: @unchecked Sendable {
    private typealias Compress2 = @convention(c) (
        UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt>?, UnsafePointer<UInt8>?, UInt, Int32
    ) -> Int32
    private typealias Bound = @convention(c) (UInt) -> UInt
    private typealias Uncompress = @convention(c) (
        UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt>?, UnsafePointer<UInt8>?, UInt
    ) -> Int32

    private let compress2: Compress2
    private let bound: Bound
    private let uncompress: Uncompress

    static let gzipFramingExtra = 12

    init() throws {
        guard let library = dlopen("libz.so.1", RTLD_NOW) else { throw BenchError("libz.so.1 not found") }
        guard let c = dlsym(library, "compress2"), let b = dlsym(library, "compressBound"),
            let u = dlsym(library, "uncompress")
        else { throw BenchError("libz.so.1 lacks compress2/uncompress") }
        compress2 = unsafeBitCast(c, to: Compress2.self)
        bound = unsafeBitCast(b, to: Bound.self)
        uncompress = unsafeBitCast(u, to: Uncompress.self)
    }

    /// The zlib stream of `data` at `level` (1 fastest … 9 smallest).
    func compress(_ data: Data, level: Int32) throws -> Data {
        var out = Data(count: Int(bound(UInt(data.count))))
        var length = UInt(out.count)
        let status = out.withUnsafeMutableBytes { dst in
            data.withUnsafeBytes { src in
                compress2(
                    dst.bindMemory(to: UInt8.self).baseAddress, &length, src.bindMemory(to: UInt8.self).baseAddress,
                    UInt(data.count), level
                )
            }
        }
        guard status == 0 else { throw BenchError("compress2 failed: \(status)") }
        out.count = Int(length)
        return out
    }

    func decompress(_ data: Data, size: Int) throws -> Data {
        var out = Data(count: size)
        var length = UInt(size)
        let status = out.withUnsafeMutableBytes { dst in
            data.withUnsafeBytes { src in
                uncompress(dst.bindMemory(to: UInt8.self).baseAddress, &length, src.bindMemory(to: UInt8.self).baseAddress, UInt(data.count))
            }
        }
        guard status == 0, Int(length) == size else { throw BenchError("uncompress failed: \(status)") }
        return out
    }

    func gzipSize(_ data: Data, level: Int32) throws -> Int { try compress(data, level: level).count + Self.gzipFramingExtra }
}
