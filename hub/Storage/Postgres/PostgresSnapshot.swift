import BaogongModel
import BaogongRecordStore
import Foundation
import PostgresNIO

/// The views' snapshot on PostgreSQL: `HubDatabase.snapshot` (CountySnapshot.swift) and the readers
/// it calls, read in one REPEATABLE READ transaction so every figure comes from the same state.
extension PostgresHubStore {
    public func snapshot(date: CalendarDate, settings: ViewSettings, now: Date) async throws -> CountySnapshot {
        try await snapshot(date: date, settings: settings, now: now, reusingStock: nil)
    }

    public func snapshot(date: CalendarDate, settings: ViewSettings, now: Date, reusingStock stock: [StockObservation]?) async throws
        -> CountySnapshot
    {
        let logger = logger
        return try await read { connection in
            var snapshot = CountySnapshot(date: date, asOf: now, settings: settings)
            let deadline = snapshot.lateDeadline
            if deadline < now { snapshot.asOf = deadline }
            snapshot.fleet = try await Self.fleetStatus(staleAfter: settings.staleAfter, now: now, connection, logger: logger)
            if snapshot.judgedAtDeadline {
                let heard = try await Self.heardDuring(from: snapshot.reportingWindowStart, to: deadline, connection, logger: logger)
                for i in snapshot.fleet.indices {
                    let row = snapshot.fleet[i]
                    snapshot.fleet[i].stale = !(heard.stores.contains(row.store) || row.replica.map(heard.replicas.contains) == true)
                }
            }
            snapshot.catalog = try await Self.catalog(connection, logger: logger)
            snapshot.stores = try await connection.rows(
                """
                SELECT e.store, COALESCE(s.name, e.store), s.township, COALESCE(s.kind, 'supermarket'),
                       e.revoked_at IS NOT NULL, e.county
                FROM enrolment e LEFT JOIN stores s ON s.key = e.store ORDER BY e.store
                """, logger: logger
            ).map {
                StoreInfo(
                    id: try $0[0], name: try $0[1], township: try $0[2], kind: StoreKind(rawValue: try $0[3] as String) ?? .supermarket,
                    revoked: try $0[4], county: try $0[5]
                )
            }
            snapshot.counties = try await connection.rows(
                """
                SELECT c.id, c.name, k.last_heard_at, a.approved_at, a.note
                FROM county c LEFT JOIN county_link k ON k.county = c.id
                LEFT JOIN county_approval a ON a.county = c.id AND a.date = $1 AND a.withdrawn_at IS NULL
                ORDER BY c.id
                """, [.text(date.description)], logger: logger
            ).map { row in
                let heard: Double? = try row[2]
                let approved: Double? = try row[3]
                return CountyInfo(
                    id: try row[0], name: try row[1], lastSyncAt: heard.map { Timestamps.iso(Date(timeIntervalSince1970: $0)) },
                    approvedAt: approved.map { Timestamps.iso(Date(timeIntervalSince1970: $0)) }, approvalNote: try row[4]
                )
            }
            let statusLog = try await Self.fetchLog(
                "SELECT \(Self.logColumns) FROM change_log WHERE record_set = 'store_status' ORDER BY seq", [],
                connection: connection, logger: logger
            )
            snapshot.statusEvents = HubDatabase.statusEvents(statusLog)
            snapshot.matching = try await Self.matchingBook(connection, logger: logger)
            snapshot.deliveries = try await Self.deliveries(from: nil, to: date, connection, logger: logger)
            snapshot.passes = try await Self.passes(id: nil, connection, logger: logger)
            if let stock {
                snapshot.stock = stock
            } else {
                snapshot.stock = try await Self.stockWindow(
                    from: date.adding(days: -settings.trailingDays), to: date, connection, logger: logger
                )
            }
            snapshot.checkpoints = try await connection.rows(
                """
                SELECT store, COALESCE(checked, 0), COALESCE(refused_fever, 0), COALESCE(refused_no_mask, 0),
                       COALESCE(staff_checked, 0), COALESCE(disinfections, 0)
                FROM checkpoint WHERE date = $1 AND deleted = 0 ORDER BY store
                """, [.text(date.description)], logger: logger
            ).map {
                CheckpointObservation(
                    store: try $0[0], checked: try $0[1], refusedFever: try $0[2], refusedNoMask: try $0[3], staffChecked: try $0[4],
                    disinfections: try $0[5]
                )
            }
            for row in try await connection.rows(
                "SELECT store, first_received_at, first_recorded_ms FROM report_arrival WHERE date = $1", [.text(date.description)],
                logger: logger
            ) {
                let received: Double = try row[1]
                let recorded: Int64 = try row[2]
                snapshot.arrivals[try row[0]] = ReportArrival(
                    receivedAt: Date(timeIntervalSince1970: received), recordedAt: Date(timeIntervalSince1970: Double(recorded) / 1000)
                )
            }
            for row in try await connection.rows(
                "SELECT store, COUNT(*) FROM incident WHERE date = $1 AND deleted = 0 GROUP BY store", [.text(date.description)],
                logger: logger
            ) {
                snapshot.incidentsByStore[try row[0]] = try row[1]
            }
            snapshot.incidents = snapshot.incidentsByStore.values.reduce(0, +)
            snapshot.notices = try await Self.notices(limit: 20, connection, logger: logger)
            snapshot.approval = try await Self.approval(of: date, connection, logger: logger)
            if let approval = snapshot.approval {
                snapshot.afterApproval = try await connection.rows(
                    """
                    SELECT seq, record_set, key, store, ts FROM change_log
                    WHERE seq > $1 AND record_set IN ('stock', 'checkpoint') AND store IS NOT NULL AND key LIKE $2
                    ORDER BY seq
                    """, [.int(approval.throughSeq), .text("%/" + date.description)], logger: logger
                ).map { row in
                    let raw: Int64 = try row[4]
                    return AfterApprovalWrite(
                        store: try row[3], set: try row[1], key: try row[2], seq: try row[0],
                        time: Timestamps.iso(milliseconds: HLCTimestamp(rawValue: UInt64(bitPattern: raw)).milliseconds)
                    )
                }
            }
            return snapshot
        }
    }

    static func heardDuring(from start: Date, to end: Date, _ connection: PostgresConnection, logger: Logger) async throws
        -> (stores: Set<String>, replicas: Set<String>)
    {
        let bounds: [SQLValue] = [.real(start.timeIntervalSince1970), .real(end.timeIntervalSince1970)]
        let replicas = try await connection.rows(
            "SELECT replica FROM replica_status WHERE first_heard_at BETWEEN $1 AND $2 OR last_heard_at BETWEEN $1 AND $2",
            bounds, logger: logger
        ).map { try $0[0] as String }
        let stores = try await connection.rows(
            "SELECT DISTINCT store FROM report_arrival WHERE first_received_at BETWEEN $1 AND $2", bounds, logger: logger
        ).map { try $0[0] as String }
        let counties = try await connection.rows(
            "SELECT county || '.hub' FROM county_link WHERE first_heard_at BETWEEN $1 AND $2 OR last_heard_at BETWEEN $1 AND $2",
            bounds, logger: logger
        ).map { try $0[0] as String }
        return (Set(stores), Set(replicas).union(counties))
    }

    /// Stock reports between two dates: the views' hot read (56,000 rows at 1,000 stores), decoded
    /// straight into typed columns rather than through `SQLRow`, each date parsed once.
    static func stockWindow(from first: CalendarDate, to last: CalendarDate, _ connection: PostgresConnection, logger: Logger)
        async throws -> [StockObservation]
    {
        let rows = try await connection.query(
            """
            SELECT store, commodity, date, on_hand, sold, price, restock_days, transport_days
            FROM stock WHERE date BETWEEN \(first.description) AND \(last.description) AND deleted = 0
            """, logger: logger
        )
        var days = [String: Int]()
        var result = [StockObservation]()
        for try await (store, commodity, date, onHand, sold, price, restock, transport) in rows.decode(
            (String, String, String, Double?, Double?, Int64?, Int64?, Int64?).self
        ) {
            let day: Int
            if let known = days[date] {
                day = known
            } else {
                day = (try? CalendarDate(date))?.dayNumber ?? 0
                days[date] = day
            }
            result.append(StockObservation(
                store: store, commodity: commodity, day: day, onHand: onHand, sold: sold, priceFen: price, restockDays: restock,
                transportDays: transport
            ))
        }
        return result
    }

    // MARK: The desk, deliveries, passes and sign-offs, as the views read them

    public func matchingBook() async throws -> MatchingBook {
        let logger = logger
        return try await read { connection in try await Self.matchingBook(connection, logger: logger) }
    }

    static let matchColumns = """
        id, need, offer, need_store, offer_store, commodity, variety, quantity, unit, status, posted_at,
        confirmed_at, received, closed_at, reason
        """

    static func matchingBook(_ connection: PostgresConnection, logger: Logger) async throws -> MatchingBook {
        func nonEmpty(_ text: String?) -> String? { text.flatMap { $0.isEmpty ? nil : $0 } }
        let needs = try await connection.rows(
            """
            SELECT id, store, commodity, variety, quantity, "by", note, posted_at, status FROM need
            WHERE deleted = 0 AND quantity IS NOT NULL AND commodity IS NOT NULL ORDER BY store, id
            """, logger: logger
        ).map { row in
            NeedPosting(
                id: try row[0], store: try row[1], commodity: try row[2], variety: nonEmpty(try row[3]), quantity: try row[4],
                by: try row[5], note: nonEmpty(try row[6]), postedAt: try row[7],
                status: PostingStatus(rawValue: try row[8] ?? "") ?? .open
            )
        }
        let offers = try await connection.rows(
            """
            SELECT id, store, commodity, variety, quantity, "until", location, price, posted_at, status FROM offer
            WHERE deleted = 0 AND quantity IS NOT NULL AND commodity IS NOT NULL ORDER BY store, id
            """, logger: logger
        ).map { row in
            OfferPosting(
                id: try row[0], store: try row[1], commodity: try row[2], variety: nonEmpty(try row[3]), quantity: try row[4],
                until: try row[5], location: nonEmpty(try row[6]), priceFen: try row[7], postedAt: try row[8],
                status: PostingStatus(rawValue: try row[9] ?? "") ?? .open
            )
        }
        let matches = try await connection.rows(
            "SELECT \(matchColumns) FROM \"match\" WHERE side = 'need' AND deleted = 0 ORDER BY confirmed_at, id", logger: logger
        ).map(matchRecord)
        return MatchingBook(needs: needs, offers: offers, matches: matches)
    }

    static func matchRecord(_ row: SQLRow) throws -> MatchRecord {
        let variety: String? = try row[6]
        return MatchRecord(
            id: try row[0], need: try row[1], offer: try row[2], store: try row[3], supplier: try row[4], commodity: try row[5],
            variety: variety.flatMap { $0.isEmpty ? nil : $0 }, quantity: try row[7], unit: try row[8] ?? "",
            status: MatchStatus(rawValue: try row[9] ?? "") ?? .confirmed, postedAt: try row[10], confirmedAt: try row[11] ?? "",
            received: try row[12], closedAt: try row[13], reason: try row[14]
        )
    }

    public func deliveries(from: CalendarDate?, to: CalendarDate?) async throws -> [DeliveryDay] {
        let logger = logger
        return try await read { connection in try await Self.deliveries(from: from, to: to, connection, logger: logger) }
    }

    static func deliveries(from: CalendarDate?, to: CalendarDate?, _ connection: PostgresConnection, logger: Logger) async throws
        -> [DeliveryDay]
    {
        var conditions = ["deleted = 0"]
        var arguments = [SQLValue]()
        if let from {
            arguments.append(.text(from.description))
            conditions.append("date >= $\(arguments.count)")
        }
        if let to {
            arguments.append(.text(to.description))
            conditions.append("date <= $\(arguments.count)")
        }
        let filter = conditions.joined(separator: " AND ")
        var days = [String: DeliveryDay]()
        for row in try await connection.rows(
            """
            SELECT store, date, COALESCE(orders, 0), COALESCE(served, 0), COALESCE(revenue, 0), vehicles, staff, groups, townships
            FROM delivery WHERE \(filter) ORDER BY date, store
            """, arguments, logger: logger
        ) {
            let store: String = try row[0], date: String = try row[1]
            days[store + "/" + date] = DeliveryDay(
                store: store, date: try CalendarDate(date), orders: try row[2], served: try row[3], revenueFen: try row[4],
                vehicles: try row[5], staff: try row[6], groups: try row[7], townships: try row[8], quantities: [:]
            )
        }
        for row in try await connection.rows(
            "SELECT store, date, commodity, COALESCE(milli, 0) FROM delivery_quantity WHERE \(filter)", arguments, logger: logger
        ) {
            try HubDatabase.add(quantity: try row[3], of: try row[2], store: try row[0], date: try row[1], to: &days)
        }
        return days.values.sorted { ($0.date, $0.store) < ($1.date, $1.store) }
    }

    public func passes() async throws -> [IssuedPass] {
        let logger = logger
        return try await read { connection in try await Self.passes(id: nil, connection, logger: logger) }
    }

    public func pass(id: String) async throws -> IssuedPass? {
        let logger = logger
        return try await read { connection in try await Self.passes(id: id, connection, logger: logger).first }
    }

    static func passes(id: String?, _ connection: PostgresConnection, logger: Logger) async throws -> [IssuedPass] {
        try await connection.rows(
            """
            SELECT p.id, p.code, p.store, p.plate, p.driver, p.cargo, p.route, p.valid_from, p.valid_to, p.issued_at,
                   r.revoked_at, r.reason
            FROM pass p LEFT JOIN pass_revocation r ON r.key = p.id AND r.deleted = 0
            WHERE p.deleted = 0 \(id == nil ? "" : "AND p.id = $1") ORDER BY p.issued_at, p.id
            """, id.map { [.text($0)] } ?? [], logger: logger
        ).map {
            IssuedPass(
                id: try $0[0], code: try $0[1] ?? "", store: try $0[2], plate: try $0[3] ?? "", driver: try $0[4], cargo: try $0[5],
                route: try $0[6], validFrom: try $0[7] ?? "", validTo: try $0[8] ?? "", issuedAt: try $0[9] ?? "",
                revokedAt: try $0[10], reason: try $0[11]
            )
        }
    }

    static func approval(of date: CalendarDate, _ connection: PostgresConnection, logger: Logger) async throws -> DayApproval? {
        try await connection.row(
            "SELECT approved_at, note, through_seq FROM approval WHERE date = $1 AND withdrawn_at IS NULL", [.text(date.description)],
            logger: logger
        ).map { row in
            DayApproval(
                date: date.description, approvedAt: Timestamps.iso(Date(timeIntervalSince1970: try row[0])), note: try row[1],
                throughSeq: try row[2]
            )
        }
    }

    // MARK: History

    public func history(set: RecordSetSchema, key: String) async throws -> [RecordWrite] {
        let logger = logger
        return try await read { connection in
            let logged = try await Self.fetchLog(
                "SELECT \(Self.logColumns) FROM change_log WHERE record_set = $1 AND key = $2 ORDER BY seq",
                [.text(set.name), .text(key)], connection: connection, logger: logger
            ).map { ($0.seq as Int64?, $0.change) }
            let lost = try await connection.rows(
                "SELECT replica, ts, payload FROM lost_write WHERE record_set = $1 AND key = $2 ORDER BY id",
                [.text(set.name), .text(key)], logger: logger
            ).map { row -> (Int64?, Change) in
                let payload: Data = try row[2]
                let raw: Int64 = try row[1]
                return (nil, try Change(
                    set: set.name, key: key, timestamp: HLCTimestamp(rawValue: UInt64(bitPattern: raw)), replica: try row[0],
                    payload: [UInt8](payload)
                ))
            }
            let current = try await connection.row(
                "SELECT crdt FROM \"\(set.name)\" WHERE key = $1", [.text(key)], logger: logger
            ).map { try RecordState(encoded: [UInt8](try $0[0] as Data)) } ?? RecordState()
            return HubDatabase.recordWrites(logged: logged, lost: lost, current: current)
        }
    }
}
