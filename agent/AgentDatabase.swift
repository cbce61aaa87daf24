import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB

/// The store agent's local database: its identity, its records and its outbox. Every write is one
/// transaction, so a crash leaves either the whole write or none of it.
public struct AgentDatabase: Sendable {
    public let store: RecordStore
    public var writer: any DatabaseWriter { store.writer }

    /// Who this agent is and where it syncs.
    public struct Identity: Sendable, Hashable {
        public var store: String
        public var replica: ReplicaID
        /// The hub in use: the one that answered last (at first, the first given).
        public var hub: String
        /// Every hub given with `--hub`, in order: processes of one county hub on one database.
        public var hubs: [String] = []
        public var token: String
        /// A county CA's PEM certificates (`--ca-cert`), trusted for this hub instead of the system's.
        public var trustedCertificatesPEM: String? = nil
        /// Plain http to a host that is not loopback was allowed (`--allow-insecure-http`).
        public var allowInsecureHTTP = false

        /// Where and how a sync goes.
        public var endpoint: HubEndpoint { endpoint(hub) }

        public func endpoint(_ url: String) -> HubEndpoint {
            HubEndpoint(url: url, token: token, trustedCertificatesPEM: trustedCertificatesPEM)
        }

        /// The hubs in the order a sync tries them: the one in use, then the others in the order
        /// given, wrapping around.
        public var failoverOrder: [String] {
            guard let i = hubs.firstIndex(of: hub) else { return [hub] + hubs.filter { $0 != hub } }
            return Array(hubs[i...] + hubs[..<i])
        }
    }

    /// Opens an agent database that `init` created; refuses a path that holds none.
    public static func open(path: String) throws -> AgentDatabase {
        guard FileManager.default.fileExists(atPath: path) else {
            throw AgentError(.notInitialised, "no agent database at \(path); run 'baogong-agent init' first")
        }
        let db = try AgentDatabase(store: RecordStore(path: path))
        _ = try db.writer.read { db in try Self.identity(db) }
        return db
    }

    /// Creates the database and this device's replica id. Several devices of one store each get their own.
    /// `otherHubs` are further processes of the same county hub (one database), tried in order when
    /// the one in use cannot be reached.
    public static func create(
        path: String, store: String, hub: String, otherHubs: [String] = [], token: String, trustedCertificatesPEM: String? = nil,
        allowInsecureHTTP: Bool = false
    ) throws -> AgentDatabase {
        do { try Identifier.validate(store, field: "store") } catch { throw AgentError(error) }
        let hubs = try Self.hubList([hub] + otherHubs, allowInsecureHTTP: allowInsecureHTTP)
        guard !token.isEmpty else { throw AgentError(.invalidInput, "token: must not be empty") }
        let db = try AgentDatabase(store: RecordStore(path: path))
        try db.writer.write { db in
            if try RecordStore.meta("replica", in: db) != .null {
                throw AgentError(.alreadyInitialised, "\(path) is already initialised; use another --db for another device")
            }
            let replica = "\(store).\(Timestamps.randomHex(4))"
            try RecordStore.setMeta("store", store, in: db)
            try RecordStore.setMeta("replica", replica, in: db)
            try RecordStore.setMeta("hub", hub, in: db)
            if hubs.count > 1 { try RecordStore.setMeta("hubs", hubs.joined(separator: "\n"), in: db) }
            try RecordStore.setMeta("token", token, in: db)
            if let trustedCertificatesPEM { try RecordStore.setMeta("ca_cert", trustedCertificatesPEM, in: db) }
            if allowInsecureHTTP { try RecordStore.setMeta("allow_insecure_http", 1, in: db) }
            try RecordStore.setMeta("created_at", Timestamps.iso(Date()), in: db)
        }
        return db
    }

    public init(store: RecordStore) { self.store = store }

    /// Points the agent at another hub URL, gives it a new token or CA, or allows plain http off
    /// loopback (or withdraws that); the replica id and records stay. nil leaves a setting as it is.
    /// Changes what is given; `systemCertificateAuthorities` forgets a county CA stored earlier, so the
    /// hub's certificate is checked against the system's CAs again.
    public func reconfigure(
        hub: String?, otherHubs: [String] = [], token: String?, trustedCertificatesPEM: String? = nil,
        systemCertificateAuthorities: Bool = false, allowInsecureHTTP: Bool? = nil
    ) async throws {
        if systemCertificateAuthorities, trustedCertificatesPEM != nil {
            throw AgentError(.invalidInput, "a county CA and the system's CAs: give one, not both")
        }
        if let token, token.isEmpty { throw AgentError(.invalidInput, "token: must not be empty") }
        try await writer.write { db in
            let current = try Self.identity(db)
            let allow = allowInsecureHTTP ?? current.allowInsecureHTTP
            if let hub {
                // New hubs replace the list; the first is used until another answers instead.
                let hubs = try Self.hubList([hub] + otherHubs, allowInsecureHTTP: allow)
                try RecordStore.setMeta("hub", hub, in: db)
                try RecordStore.setMeta("hubs", hubs.count > 1 ? hubs.joined(separator: "\n") : nil, in: db)
            } else {
                _ = try Self.hubList(current.hubs, allowInsecureHTTP: allow)
            }
            if let token { try RecordStore.setMeta("token", token, in: db) }
            if let trustedCertificatesPEM { try RecordStore.setMeta("ca_cert", trustedCertificatesPEM, in: db) }
            if systemCertificateAuthorities { try db.execute(sql: "DELETE FROM meta WHERE name = 'ca_cert'") }
            if let allowInsecureHTTP { try RecordStore.setMeta("allow_insecure_http", allowInsecureHTTP ? 1 : 0, in: db) }
        }
    }

    /// Checks every hub address and drops repeats, keeping the order given.
    static func hubList(_ hubs: [String], allowInsecureHTTP: Bool) throws -> [String] {
        var seen = Set<String>()
        var list = [String]()
        for hub in hubs where seen.insert(hub).inserted {
            try HubAddress.validate(hub, allowInsecureHTTP: allowInsecureHTTP)
            list.append(hub)
        }
        return list
    }

    /// Makes `url`, one of the hubs given, the one in use (it answered while the one in use did not).
    public func useHub(_ url: String) async throws {
        try await writer.write { db in
            guard try Self.identity(db).hubs.contains(url) else {
                throw AgentError(.invalidInput, "hub: \(url) is not one of this agent's hubs")
            }
            try RecordStore.setMeta("hub", url, in: db)
        }
    }

    public func identity() async throws -> Identity {
        try await writer.read { db in try Self.identity(db) }
    }

    static func identity(_ db: Database) throws -> Identity {
        guard let store = String.fromDatabaseValue(try RecordStore.meta("store", in: db)),
            let replica = String.fromDatabaseValue(try RecordStore.meta("replica", in: db))
        else {
            throw AgentError(.notInitialised, "this database was never initialised; run 'baogong-agent init' first")
        }
        let hub = String.fromDatabaseValue(try RecordStore.meta("hub", in: db)) ?? ""
        let listed = String.fromDatabaseValue(try RecordStore.meta("hubs", in: db))?.split(separator: "\n").map(String.init) ?? []
        return Identity(
            store: store, replica: replica, hub: hub, hubs: listed.isEmpty ? [hub] : listed,
            token: String.fromDatabaseValue(try RecordStore.meta("token", in: db)) ?? "",
            trustedCertificatesPEM: String.fromDatabaseValue(try RecordStore.meta("ca_cert", in: db)),
            allowInsecureHTTP: (Int64.fromDatabaseValue(try RecordStore.meta("allow_insecure_http", in: db)) ?? 0) != 0
        )
    }

    // MARK: - Recording

    /// The validator for this agent's own writes: refuses commodities not in the catalog once one is known.
    static func validator(_ db: Database) throws -> ChangeValidator {
        let known = try String.fetchSet(db, sql: "SELECT commodity FROM catalog WHERE deleted = 0")
        return ChangeValidator(knownCommodities: known.isEmpty ? nil : known)
    }

    /// Records one local write: stamps it with the clock, validates, merges and queues it for sync.
    @discardableResult
    static func recordLocal(
        set: String, key: String, fields: [String: FieldValue] = [:], counterIncrements: [String: Int64] = [:],
        identity: Identity, validator: ChangeValidator, now: Date, in db: Database
    ) throws -> Change {
        var counters = [String: Int64]()
        if !counterIncrements.isEmpty {
            let existing = try RecordStore.state(set: set, key: key, in: db)
            for (name, increment) in counterIncrements {
                guard increment >= 0 else {
                    throw AgentError(.invalidInput, "\(name): must not be negative, got \(increment)")
                }
                let (total, overflow) = (existing?.counterSlot(name, replica: identity.replica) ?? 0)
                    .addingReportingOverflow(increment)
                guard !overflow else { throw AgentError(.invalidInput, "\(name): count is too large") }
                counters[name] = total
            }
        }
        let timestamp = try RecordStore.tick(now: correctedNow(now, in: db), in: db)
        var change = Change(
            set: set, key: key, timestamp: timestamp, replica: identity.replica, fields: fields, counters: counters
        )
        do {
            change = try validator.validate(change, by: .store(identity.store))
        } catch {
            throw AgentError(error)
        }
        _ = try RecordStore.apply([change], defaultReplica: identity.replica, now: now, in: db)
        return change
    }

    /// The device's clock corrected by what the hub last told it (0 while the two agree to within
    /// `SyncProtocol.maxClockAheadMilliseconds`).
    static func correctedNow(_ now: Date, in db: Database) throws -> Date {
        let offset = Int64.fromDatabaseValue(try RecordStore.meta("clock_offset_ms", in: db)) ?? 0
        return offset == 0 ? now : now.addingTimeInterval(Double(offset) / 1000)
    }

    /// Remembers how far this device's clock is from the hub's, when it is further than the bound.
    static func learnOffset(hubMilliseconds: Int64, localNow: Date, in db: Database) throws {
        let skew = hubMilliseconds - Int64(RecordStore.wallMilliseconds(localNow))
        try RecordStore.setMeta("clock_offset_ms", abs(skew) > SyncProtocol.maxClockAheadMilliseconds ? skew : 0, in: db)
    }

    /// After a `clock_ahead` refusal: takes the hub's time, restarts the hybrid clock from it, and
    /// re-stamps every change the hub has not acknowledged that is stamped beyond the bound, in one
    /// transaction. Returns how many were re-stamped.
    public func correctClock(hubMilliseconds: Int64, localNow: Date) async throws -> Int {
        try await writer.write { db in
            let identity = try Self.identity(db)
            try Self.learnOffset(hubMilliseconds: hubMilliseconds, localNow: localNow, in: db)
            let hubNow = UInt64(max(0, hubMilliseconds))
            let bound = hubNow + UInt64(SyncProtocol.maxClockAheadMilliseconds)
            var clock = HybridLogicalClock(last: HLCTimestamp(milliseconds: hubNow, counter: 0))
            let acked = try RecordStore.ackedSeq(of: SyncProtocol.hubReplica, in: db)
            var count = 0
            var after = acked
            while true {
                let batch = try RecordStore.changes(byReplica: identity.replica, after: after, limit: 1000, in: db)
                guard let last = batch.last else { break }
                for logged in batch where logged.change.timestamp.milliseconds > bound {
                    let stamped = clock.tick(wallMilliseconds: hubNow)
                    try RecordStore.restamp(
                        seq: logged.seq, replica: identity.replica, from: logged.change.timestamp, to: stamped, in: db
                    )
                    count += 1
                }
                after = last.seq
            }
            try RecordStore.saveClock(clock, in: db)
            return count
        }
    }

    public func recordStock(_ entry: StockEntry, now: Date = Date()) async throws {
        try await writer.write { db in
            let identity = try Self.identity(db)
            try Self.recordLocal(
                set: "stock", key: entry.key(store: identity.store), fields: entry.fields,
                identity: identity, validator: try Self.validator(db), now: now, in: db
            )
        }
    }

    /// Imports many stock rows in one transaction: all of them or none. `lines` gives each entry's
    /// line in the source file, for error messages.
    public func importStock(
        _ entries: [StockEntry], lines: [Int]? = nil, now: Date = Date(), progress: (@Sendable (Int) -> Void)? = nil
    ) async throws {
        // One transaction; each chunk of rows is stamped and checked in memory (one clock read and
        // write), then merged in one `RecordStore.apply`, rather than a round of meta reads and a merge
        // session per row: the rows are the same local writes `stock record` makes, one after another.
        try await writer.write { db in
            let identity = try Self.identity(db)
            let validator = try Self.validator(db)
            let wall = RecordStore.wallMilliseconds(try Self.correctedNow(now, in: db))
            var clock = try RecordStore.loadClock(db)
            let chunk = 5_000
            var start = 0
            while start < entries.count {
                let end = min(start + chunk, entries.count)
                var changes = [Change]()
                changes.reserveCapacity(end - start)
                for i in start..<end {
                    let entry = entries[i]
                    let change = Change(
                        set: "stock", key: entry.key(store: identity.store), timestamp: clock.tick(wallMilliseconds: wall),
                        replica: identity.replica, fields: entry.fields, counters: [:]
                    )
                    do {
                        changes.append(try validator.validate(change, by: .store(identity.store)))
                    } catch let error as DomainError {
                        let line = lines.map { $0[i] } ?? i + 2
                        let refusal = AgentError(error)
                        if let field = refusal.field, let detail = refusal.detail {
                            throw AgentError(.badCSV, "line \(line), column \(field): \(detail)")
                        }
                        throw AgentError(refusal.code, "line \(line): \(refusal.message)")
                    }
                }
                try RecordStore.saveClock(clock, in: db)
                _ = try RecordStore.apply(changes, defaultReplica: identity.replica, now: now, in: db)
                clock = try RecordStore.loadClock(db)
                start = end
                progress?(end)
            }
        }
    }

    public func recordCheckpoint(_ increment: CheckpointIncrement, now: Date = Date()) async throws {
        try await writer.write { db in
            let identity = try Self.identity(db)
            try Self.recordLocal(
                set: "checkpoint", key: "\(identity.store)/\(increment.date)", counterIncrements: increment.counts,
                identity: identity, validator: try Self.validator(db), now: now, in: db
            )
        }
    }

    /// Records a fever case at the entrance. No personal data: only time, temperature and action.
    @discardableResult
    public func recordIncident(temperature: Double, action: String, time: Date, now: Date = Date()) async throws -> String {
        try await writer.write { db in
            let identity = try Self.identity(db)
            let id = Timestamps.randomHex(6)
            try Self.recordLocal(
                set: "incident", key: "\(identity.store)/\(id)",
                fields: [
                    "time": .text(Timestamps.iso(time)),
                    "date": .text(Timestamps.today(time).description),
                    "temperature": .real(temperature), "action": .text(action),
                ],
                identity: identity, validator: try Self.validator(db), now: now, in: db
            )
            return id
        }
    }

    public func setStoreStatus(open: Bool, reason: String?, since: CalendarDate, now: Date = Date()) async throws {
        try await writer.write { db in
            let identity = try Self.identity(db)
            try Self.recordLocal(
                set: "store_status", key: identity.store,
                fields: [
                    "state": .text(open ? "open" : "closed"), "reason": reason.map(FieldValue.text) ?? .null,
                    "since": .text(since.description), "authority": .text(StatusAuthority.store.rawValue),
                ],
                identity: identity, validator: try Self.validator(db), now: now, in: db
            )
        }
    }

    // MARK: - Reading local records

    public struct StockRow: Sendable, Hashable, Codable {
        public var date: String
        public var commodity: String
        public var onHand: Double?
        public var sold: Double?
        public var received: Double?
        public var price: Double?
        public var source: String?
        public var restockDays: Int64?
        public var transportDays: Int64?
        public var channel: String?
        public var note: String?

        enum CodingKeys: String, CodingKey {
            case date, commodity, onHand = "on_hand", sold, received, price, source
            case restockDays = "restock_days", transportDays = "transport_days", channel, note
        }
    }

    public func stock(date: CalendarDate?) async throws -> [StockRow] {
        try await writer.read { db in
            let sql = """
                SELECT date, commodity, on_hand, sold, received, price, source, restock_days, transport_days,
                       channel, note
                FROM stock WHERE deleted = 0 \(date == nil ? "" : "AND date = ?") ORDER BY date, commodity
                """
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(date.map { [$0.description] } ?? []))
                .map { row in
                    StockRow(
                        date: row[0], commodity: row[1], onHand: row[2], sold: row[3], received: row[4],
                        price: (row[5] as Int64?).map { Double($0) / 100 }, source: row[6], restockDays: row[7],
                        transportDays: row[8], channel: row[9], note: row[10]
                    )
                }
        }
    }

    public struct CheckpointRow: Sendable, Hashable, Codable {
        public var date: String
        public var checked: Int64
        public var refusedFever: Int64
        public var refusedNoMask: Int64
        public var staffChecked: Int64
        public var disinfections: Int64

        enum CodingKeys: String, CodingKey {
            case date, checked, refusedFever = "refused_fever", refusedNoMask = "refused_no_mask"
            case staffChecked = "staff_checked", disinfections
        }
    }

    public func checkpoints(date: CalendarDate?) async throws -> [CheckpointRow] {
        try await writer.read { db in
            let sql = """
                SELECT date, COALESCE(checked, 0), COALESCE(refused_fever, 0), COALESCE(refused_no_mask, 0),
                       COALESCE(staff_checked, 0), COALESCE(disinfections, 0)
                FROM checkpoint WHERE deleted = 0 \(date == nil ? "" : "AND date = ?") ORDER BY date
                """
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(date.map { [$0.description] } ?? []))
                .map {
                    CheckpointRow(
                        date: $0[0], checked: $0[1], refusedFever: $0[2], refusedNoMask: $0[3], staffChecked: $0[4],
                        disinfections: $0[5]
                    )
                }
        }
    }

    public func notices() async throws -> [Notice] {
        try await writer.read { db in try RecordStore.notices(in: db) }
    }

    public func catalog() async throws -> [Commodity] {
        try await writer.read { db in try RecordStore.catalog(in: db) }
    }

    // MARK: - Sync state

    /// The agent's sync status, as `status` prints it.
    public struct Status: Sendable, Hashable, Codable {
        public var store: String
        public var replica: String
        /// The hub in use.
        public var hub: String
        /// Every hub the agent may sync with, in the order it tries them after the one in use.
        public var hubs: [String]
        public var pending: Int64
        public var oldestPendingAt: String?
        public var lastSyncAt: String?
        public var lastAttemptAt: String?
        public var lastError: String?
        public var hubCursor: Int64
        public var ackedSeq: Int64
        public var localSeq: Int64
        /// The hub is reached over https.
        public var tls: Bool
        /// A county CA was given with `--ca-cert`.
        public var caCert: Bool
        public var allowInsecureHTTP: Bool
        /// When an answer file from the hub was last applied (sync by file).
        public var lastBundleAt: String?

        enum CodingKeys: String, CodingKey {
            case lastBundleAt = "last_bundle_at"
            case tls, caCert = "ca_cert", allowInsecureHTTP = "allow_insecure_http"
            case store, replica, hub, hubs, pending, oldestPendingAt = "oldest_pending_at", lastSyncAt = "last_sync_at"
            case lastAttemptAt = "last_attempt_at", lastError = "last_error", hubCursor = "hub_cursor"
            case ackedSeq = "acked_seq", localSeq = "local_seq"
        }
    }

    public func status() async throws -> Status {
        try await writer.read { db in
            let identity = try Self.identity(db)
            let acked = try RecordStore.ackedSeq(of: SyncProtocol.hubReplica, in: db)
            let pending = try RecordStore.count(byReplica: identity.replica, after: acked, in: db)
            let localSeq = try Int64.fetchOne(
                db, sql: "SELECT COALESCE(MAX(seq), 0) FROM change_log WHERE replica = ?", arguments: [identity.replica]
            ) ?? 0
            return Status(
                store: identity.store, replica: identity.replica, hub: identity.hub, hubs: identity.hubs, pending: pending.count,
                oldestPendingAt: pending.oldestMilliseconds.map { Timestamps.iso(milliseconds: $0) },
                lastSyncAt: String.fromDatabaseValue(try RecordStore.meta("last_sync_at", in: db)),
                lastAttemptAt: String.fromDatabaseValue(try RecordStore.meta("last_attempt_at", in: db)),
                lastError: String.fromDatabaseValue(try RecordStore.meta("last_error", in: db)),
                hubCursor: Int64.fromDatabaseValue(try RecordStore.meta("hub_cursor", in: db)) ?? 0,
                ackedSeq: acked, localSeq: localSeq, tls: HubAddress.usesTLS(identity.hub),
                caCert: identity.trustedCertificatesPEM != nil, allowInsecureHTTP: identity.allowInsecureHTTP,
                lastBundleAt: String.fromDatabaseValue(try RecordStore.meta("last_bundle_at", in: db))
            )
        }
    }

    /// The next batch to send: local changes after what the hub acknowledged, at most `limit`.
    ///
    /// With `after` (the `upto` of a batch still in flight), the batch that follows that one, sent
    /// before its answer arrives: its `acked` is what the agent will believe once the batch in flight
    /// lands, so the hub acknowledges it only after that batch (`SyncClient`, pipelining).
    public func nextBatch(limit: Int, now: Date = Date(), after inFlight: Int64? = nil) async throws -> SyncRequest {
        try await writer.read { db in
            let identity = try Self.identity(db)
            let acked = try inFlight ?? RecordStore.ackedSeq(of: SyncProtocol.hubReplica, in: db)
            let outbox = try RecordStore.changes(byReplica: identity.replica, after: acked, limit: limit, in: db)
            let upto = outbox.last?.seq ?? acked
            let remaining = try RecordStore.count(byReplica: identity.replica, after: upto, in: db).count
            var changes = outbox.map(\.change)
            for i in changes.indices { changes[i].replica = nil }  // the batch's replica stands for all
            return SyncRequest(
                store: identity.store, replica: identity.replica,
                cursor: Int64.fromDatabaseValue(try RecordStore.meta("hub_cursor", in: db)) ?? 0,
                upto: upto, acked: acked, pending: remaining,
                sentAt: Int64(RecordStore.wallMilliseconds(now)), changes: changes
            )
        }
    }

    /// Stores what a sync answer says, in one transaction: the acknowledged sequence, the reference
    /// data and hub-written records it carries, and the new cursor into the hub's change log.
    public func applyResponse(_ response: SyncResponse, to request: SyncRequest, now: Date = Date()) async throws {
        let validator = ChangeValidator()
        var downstream = [Change]()
        for change in response.changes {
            do {
                downstream.append(try validator.validate(change, by: .hub))
            } catch {
                throw AgentError(.hubError, "the hub sent an invalid change \(change.set)/\(change.key): \(error)")
            }
        }
        try await writer.write { [downstream] db in
            if let believed = request.acked, response.acked < believed {
                // The hub holds less than it once acknowledged (restored from a backup): send it again.
                try RecordStore.resetAcknowledgement(of: SyncProtocol.hubReplica, to: response.acked, in: db)
            } else {
                try RecordStore.acknowledge(SyncProtocol.hubReplica, upTo: min(response.acked, request.upto), in: db)
            }
            _ = try RecordStore.apply(downstream, defaultReplica: SyncProtocol.hubReplica, now: now, in: db)
            if let hubTime = response.hubTime { try Self.learnOffset(hubMilliseconds: hubTime, localNow: now, in: db) }
            // The hub's cursor is authoritative: it moves back when the hub starts this agent over.
            try RecordStore.setMeta("hub_cursor", response.cursor, in: db)
            try RecordStore.setMeta("last_sync_at", Timestamps.iso(now), in: db)
            try RecordStore.setMeta("last_attempt_at", Timestamps.iso(now), in: db)
            try RecordStore.setMeta("last_error", nil, in: db)
        }
    }

    /// Remembers a failed attempt for `status`.
    public func recordFailure(_ message: String, now: Date = Date()) async throws {
        try await writer.write { db in
            try RecordStore.setMeta("last_attempt_at", Timestamps.iso(now), in: db)
            try RecordStore.setMeta("last_error", message, in: db)
        }
    }
}
