import BaogongModel
import Foundation
import Testing

/// The committed inputs of the `sync-body` and `gzip` fuzz targets (Tests/Fuzz, docs/reliability.md
/// "Fuzzing") fed through the same entry points: each seed with the outcome its name gives (`ok-…` is
/// read, `bad-…` is refused), and each input a target once failed on (`Regressions/<target>/`), which
/// must now be read or refused with the error of its layer, never crash.
@Suite("Fuzzing inputs: sync bodies and gzip")
struct FuzzInputTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    /// The names of the files in `Tests/Fuzz/<folder>/<target>` (none when the folder does not exist).
    static func inputs(_ folder: String, _ target: String) -> [String] {
        let directory = fuzz.appendingPathComponent(folder).appendingPathComponent(target)
        let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
        return (names ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    static func data(_ folder: String, _ target: String, _ name: String) throws -> Data {
        try Data(contentsOf: fuzz.appendingPathComponent(folder).appendingPathComponent(target).appendingPathComponent(name))
    }

    /// A sync body read as the `sync-body` target reads it: inflated when gzipped (up to its 1 MiB),
    /// decoded, each change checked as the store's; what is accepted must read back the same.
    static func readSyncBody(_ body: Data) throws -> [Change] {
        let json = Gzip.isCompressed(body) ? try Gzip.decompress(body, limit: 1 << 20) : body
        var request = try SyncRequest(jsonData: json)
        request.changes = try checked(request)
        var readBack = try SyncRequest(jsonData: request.jsonData())
        readBack.changes = try checked(readBack)
        #expect(readBack == request, "an accepted request reads back differently")
        return request.changes
    }

    static func checked(_ request: SyncRequest) throws(DomainError) -> [Change] {
        try request.changes.map { change throws(DomainError) in
            try ChangeValidator().validate(change, by: .store(request.store))
        }
    }

    /// True when `error` is a refusal of one of the layers a body goes through.
    static func isRefusal(_ error: any Error) -> Bool {
        error is Gzip.Failure || error is WireFormatError || error is DomainError
    }

    @Test(arguments: inputs("Corpus", "sync-body"))
    func syncBodySeed(_ name: String) throws {
        let body = try Self.data("Corpus", "sync-body", name)
        if name.hasPrefix("ok-") {
            #expect(throws: Never.self) { try Self.readSyncBody(body) }
        } else {
            #expect(name.hasPrefix("bad-"), "a seed's name starts with ok- or bad-")
            do {
                _ = try Self.readSyncBody(body)
                Issue.record("\(name) was accepted")
            } catch {
                #expect(Self.isRefusal(error), "\(error)")
            }
        }
    }

    @Test(arguments: inputs("Regressions", "sync-body"))
    func syncBodyRegression(_ name: String) throws {
        let body = try Self.data("Regressions", "sync-body", name)
        do { _ = try Self.readSyncBody(body) } catch { #expect(Self.isRefusal(error), "\(error)") }
    }

    /// Bytes through the `gzip` target's checks: inflated within the limit or refused, and their own
    /// round trip exact, with one byte less of limit refused.
    static func checkGzip(_ data: Data) throws -> Data? {
        let inflated: Data?
        do {
            inflated = try Gzip.decompress(data, limit: 1 << 20)
        } catch is Gzip.Failure {
            inflated = nil
        }
        let packed = try Gzip.compress(data, level: Int32((data.first ?? 0) % 10))
        #expect(try Gzip.decompress(packed, limit: data.count) == data)
        if !data.isEmpty {
            #expect(throws: Gzip.Failure.self) { try Gzip.decompress(packed, limit: data.count - 1) }
        }
        return inflated
    }

    @Test(arguments: inputs("Corpus", "gzip"))
    func gzipSeed(_ name: String) throws {
        let inflated = try Self.checkGzip(try Self.data("Corpus", "gzip", name))
        #expect((inflated != nil) == name.hasPrefix("ok-"), "ok- seeds inflate, bad- seeds are refused")
    }

    @Test(arguments: inputs("Regressions", "gzip"))
    func gzipRegression(_ name: String) throws {
        _ = try Self.checkGzip(try Self.data("Regressions", "gzip", name))
    }
}
