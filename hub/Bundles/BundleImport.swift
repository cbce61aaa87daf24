import BaogongModel
import Foundation

/// `baogong-hub bundle import`: merges a store's upload bundle exactly as `/v1/sync` would merge its
/// batches (same validation, same ownership rules, same errors) and makes the answer file: for each
/// batch, the hub's response, then every page the hub would have sent down after it.
///
/// The bundle is checked whole before anything is merged: its MAC against the store's current
/// token, its kind, every batch's validity. Each batch then merges in its own transaction, as on
/// the network, so a crash part-way leaves whole batches; importing the file again is harmless.
public struct BundleImport: Sendable {
    public let database: any HubStore

    public init(database: any HubStore) { self.database = database }

    public struct Report: Sendable, Codable, Hashable {
        public var id: String
        public var store: String
        public var replica: String
        public var batches: Int
        public var changes: Int
        public var merged: Int
        /// Changes in the answer (sent down to the device).
        public var answered: Int
        public var acked: Int64

        enum CodingKeys: String, CodingKey {
            case id, store, replica, batches, changes, merged, answered, acked
        }
    }

    public func run(_ file: Data, now: Date = Date()) async throws -> (report: Report, answer: Data) {
        let header = try SyncBundle.unverifiedHeader(of: file)
        guard let digest = try await database.storeTokenDigest(store: header.store) else {
            throw BundleError(
                .wrongStore, "store '\(header.store)' is not enrolled at this hub or its token was revoked; nothing was imported"
            )
        }
        let key = SyncBundle.key(tokenDigest: digest)
        let bundle = try SyncBundle.open(file, key: key)
        guard bundle.header.kind == .upload else {
            throw BundleError(.wrongKind, "this is an answer for a store's agent ('baogong-agent bundle import'), not an upload")
        }
        let batches = try bundle.requests()
        for batch in batches {
            guard batch.store == header.store, batch.replica == header.replica else {
                throw BundleError(.wrongStore, "a batch in the bundle is from \(batch.replica), not from \(header.replica)")
            }
            _ = try SyncValidation.validate(batch, authenticatedStore: header.store, now: now)
        }

        var steps = [SyncBundle.AnswerStep]()
        var merged = 0
        var last = batches.last
        for batch in batches {
            let response = try await database.sync(batch, store: header.store, now: now, via: .file)
            merged += response.merged
            steps.append(.init(upto: batch.upto, acked: batch.acked, response: response))
        }
        // Then what the hub would send down on the following syncs, page by page.
        while var next = last ?? batches.first, steps.last?.response.more ?? true {
            if let previous = steps.last?.response {
                next.cursor = previous.cursor
                next.acked = previous.acked
                next.upto = previous.acked
            }
            next.changes = []
            next.pending = 0
            let response = try await database.sync(next, store: header.store, now: now, via: .file)
            steps.append(.init(upto: next.upto, acked: next.acked, response: response))
            last = next
        }
        let answer = try SyncBundle.answer(steps, store: header.store, replica: header.replica, createdAt: Timestamps.iso(now))
        let report = Report(
            id: header.id, store: header.store, replica: header.replica, batches: batches.count,
            changes: batches.reduce(0) { $0 + $1.changes.count }, merged: merged,
            answered: steps.reduce(0) { $0 + $1.response.changes.count }, acked: steps.last?.response.acked ?? 0
        )
        return (report, try answer.sealed(with: key))
    }
}
