import GRDB

extension DatabaseReader {
    /// Runs `body` in one read transaction on a reader connection's own queue and resumes the caller
    /// with its result: the caller's task is suspended, never blocking a thread of Swift's pool.
    ///
    /// This is GRDB's `asyncRead` behind a continuation. It is used for the county snapshot, the
    /// hub's largest read (56,000 stock rows for 1,000 stores): with GRDB's `async` `read` the same
    /// snapshot took 38–40 ms against 31–32 ms for the blocking read of the previous release, on the
    /// same machine in the same minutes; through `asyncRead` it took 31.8 and 33.0 ms (baogong-bench
    /// scenario 7, docs/performance.md, "Architecture round 2").
    public func readOnQueue<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            asyncRead { database in
                continuation.resume(with: Result { try body(try database.get()) })
            }
        }
    }
}
