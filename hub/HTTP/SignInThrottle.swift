import Foundation
import Synchronization

/// Failed sign-ins per client address: after `limit` failures within `window`, the address is told
/// to wait (429 with `Retry-After`) whatever it sends, so that operator tokens cannot be guessed at
/// speed from one place. A successful sign-in clears the address's count.
public final class SignInThrottle: Sendable {
    public let limit: Int
    public let window: TimeInterval
    private let failures = Mutex<[String: [Date]]>([:])

    public init(limit: Int = 10, window: TimeInterval = 600) {
        self.limit = limit
        self.window = window
    }

    /// Seconds the address must wait, or nil when it may try.
    public func retryAfter(_ address: String, now: Date) -> Int? {
        failures.withLock { all in
            let recent = (all[address] ?? []).filter { now.timeIntervalSince($0) < window }
            all[address] = recent.isEmpty ? nil : recent
            guard recent.count >= limit, let oldest = recent.first else { return nil }
            return max(1, Int((window - now.timeIntervalSince(oldest)).rounded(.up)))
        }
    }

    public func failed(_ address: String, now: Date) {
        failures.withLock { all in
            // Bounded memory: a flood from many addresses forgets the oldest entries first.
            if all.count > 10_000, let stale = all.min(by: { ($0.value.last ?? .distantPast) < ($1.value.last ?? .distantPast) }) {
                all[stale.key] = nil
            }
            all[address, default: []].append(now)
        }
    }

    public func succeeded(_ address: String) { failures.withLock { $0[address] = nil } }
}
