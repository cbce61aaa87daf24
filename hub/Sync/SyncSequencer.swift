import BaogongModel
import Synchronization

/// Merges a device's pipelined batches in the order the device sent them.
///
/// An agent sends its next batch while the hub merges the one before (`SyncClient.pipelined`); that
/// batch's `acked` is the `upto` of the one before. Both arrive on their own connections, so the
/// second could reach the store first: it would be merged but not acknowledged (the hub acknowledges
/// only a contiguous range), and the agent would send it again. So a batch waits here while a batch
/// of the same replica ending where it starts is still being merged by this process. Correctness
/// does not depend on it (another process, or a predecessor that arrives later, only costs a resend).
public final class SyncSequencer: Sendable {
    private struct Key: Hashable {
        var replica: ReplicaID
        var upto: Int64
    }

    private struct Flights {
        var open: [Key: Int] = [:]
        var waiting: [Key: [CheckedContinuation<Void, Never>]] = [:]
    }

    private let flights = Mutex(Flights())

    public init() {}

    /// Runs `body` (the merge of a batch of `replica` covering `(acked, upto]`) after any batch of the
    /// same replica ending at `acked` that this process is merging.
    public func inOrder<T>(
        replica: ReplicaID, acked: Int64?, upto: Int64, _ body: () async throws -> T
    ) async throws -> T {
        guard let acked, upto > acked else { return try await body() }  // nothing to order
        let own = Key(replica: replica, upto: upto)
        flights.withLock { $0.open[own, default: 0] += 1 }
        defer { finish(own) }
        await waitFor(Key(replica: replica, upto: acked))
        return try await body()
    }

    /// How many batches are being merged or waiting (for tests and metrics).
    public var inFlight: Int { flights.withLock { $0.open.values.reduce(0, +) } }

    private func waitFor(_ predecessor: Key) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let mustWait = flights.withLock { flights -> Bool in
                guard flights.open[predecessor] != nil else { return false }
                flights.waiting[predecessor, default: []].append(continuation)
                return true
            }
            if !mustWait { continuation.resume() }
        }
    }

    private func finish(_ key: Key) {
        let released = flights.withLock { flights -> [CheckedContinuation<Void, Never>] in
            let left = (flights.open[key] ?? 1) - 1
            guard left <= 0 else {
                flights.open[key] = left
                return []
            }
            flights.open[key] = nil
            return flights.waiting.removeValue(forKey: key) ?? []
        }
        for continuation in released { continuation.resume() }
    }
}
