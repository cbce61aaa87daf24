import CBaogongZlib
import Foundation

/// gzip for sync bodies: JSON batches of similar records shrink several times, which matters on
/// the weak links stores sync over. Decompression is bounded, so a small body cannot expand into
/// an unbounded one.
public enum Gzip {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// True when `data` starts with the gzip magic bytes.
    public static func isCompressed(_ data: Data) -> Bool { data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B }

    public static func compress(_ data: Data, level: Int32 = 6) throws -> Data {
        var stream = z_stream()
        // 15 window bits + 16: write a gzip header and trailer rather than zlib's.
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(description: "gzip: cannot start compressing")
        }
        defer { deflateEnd(&stream) }
        var output = Data(count: Int(deflateBound(&stream, uLong(data.count))) + 32)
        let status: Int32 = data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            output.withUnsafeMutableBytes { (out: UnsafeMutableRawBufferPointer) in
                stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(out.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw Failure(description: "gzip: compression failed (\(status))") }
        output.count = Int(stream.total_out)
        return output
    }

    /// Inflates one gzip member, refusing output larger than `limit` bytes, zlib or raw deflate data
    /// (a body labelled gzip must be gzip), and any byte after the member.
    public static func decompress(_ data: Data, limit: Int) throws -> Data {
        var stream = z_stream()
        // 15 window bits + 16: a gzip header and trailer only.
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(description: "gzip: cannot start decompressing")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let status: Int32 = try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(input.count)
            var status = Z_OK
            repeat {
                status = chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                guard status == Z_OK || status == Z_STREAM_END else {
                    throw Failure(description: "gzip: the body is not valid gzip (\(status))")
                }
                let produced = chunk.count - Int(stream.avail_out)
                guard output.count + produced <= limit else {
                    throw Failure(description: "gzip: the body inflates beyond \(limit) bytes")
                }
                output.append(contentsOf: chunk[0..<produced])
                if status == Z_OK && stream.avail_in == 0 && produced == 0 { break }
            } while status != Z_STREAM_END
            return status
        }
        guard status == Z_STREAM_END else { throw Failure(description: "gzip: the body is truncated") }
        guard stream.avail_in == 0 else {
            throw Failure(description: "gzip: \(stream.avail_in) byte(s) follow the gzip member")
        }
        return output
    }
}
