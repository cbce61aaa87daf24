import Foundation
import Synchronization

/// How many bytes of sync bodies the hub holds in memory at once. A request reserves its announced
/// length (or the largest body allowed, when it announces none) before its body is read; beyond the
/// budget it is answered `503 busy` with `Retry-After`, and the agent tries again later, instead of
/// the hub growing without bound while many large batches arrive at once.
public final class SyncMemoryBudget: Sendable {
    public let limit: Int
    private let used = Mutex(0)

    public init(limit: Int) { self.limit = limit }

    /// Reserves `bytes`; false when the budget would be exceeded (nothing is reserved then). A single
    /// request larger than the whole budget is let through when nothing else is in flight, so a
    /// budget smaller than the body limit never refuses every large batch.
    public func reserve(_ bytes: Int) -> Bool {
        used.withLock { used in
            guard used + bytes <= limit || used == 0 else { return false }
            used += bytes
            return true
        }
    }

    public func release(_ bytes: Int) { used.withLock { $0 -= bytes } }

    public var inUse: Int { used.withLock { $0 } }
}
