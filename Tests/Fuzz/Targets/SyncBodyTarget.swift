import BaogongModel
import Foundation

/// libFuzzer target `sync-body`: arbitrary bytes read as the hub reads a `POST /v1/sync` body
/// (hub/HTTP/HubServer.swift, then the per-change checks of hub/Storage/HubSync.swift), through the
/// shared functions and without HTTP or a database: inflated when gzipped, decoded by
/// `SyncRequest(jsonData:)`, every change checked by `ChangeValidator` as its store's.
///
/// Every input must be read or refused with an error; a trap, an overflow or a sanitizer report is a
/// finding. What is accepted must also survive the way back: written with `jsonData()` and read and
/// checked again, it gives the same request (the hub writes accepted changes to other replicas).

/// The hub allows 16 MiB; a smaller bound reaches the same refusal with less work per run.
let inflateLimit = 1 << 20

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSyncBody(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let body = start.map { Data(bytes: $0, count: count) } ?? Data()
    let json: Data
    if Gzip.isCompressed(body) {
        do { json = try Gzip.decompress(body, limit: inflateLimit) } catch { return refused(error) }
    } else {
        json = body
    }
    let request: SyncRequest
    do { request = try SyncRequest(jsonData: json) } catch { return refused(error) }
    let accepted: [Change]
    do { accepted = try checked(request) } catch { return refused(error) }

    var sent = request
    sent.changes = accepted
    var readBack: SyncRequest
    do {
        readBack = try SyncRequest(jsonData: sent.jsonData())
        readBack.changes = try checked(readBack)
    } catch {
        fatalError("an accepted request does not read back: \(error)")
    }
    guard readBack == sent else { fatalError("an accepted request reads back differently:\n\(sent)\n\(readBack)") }
    return 0
}

/// Every change of the batch as the validator returns it, checked as written by the batch's store.
func checked(_ request: SyncRequest) throws(DomainError) -> [Change] {
    let validator = ChangeValidator()
    var changes = [Change]()
    for change in request.changes { changes.append(try validator.validate(change, by: .store(request.store))) }
    return changes
}

/// A refusal is the expected outcome; its text is made as the hub makes it for the error answer.
func refused(_ error: any Error) -> CInt {
    _ = "\(error)"
    return 0
}
