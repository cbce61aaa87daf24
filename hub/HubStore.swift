import BaogongModel
import Foundation

/// What the HTTP routes and the views need from the hub's storage, and nothing more.
///
/// Routes never see SQL: `HubDatabase` (embedded SQLite) is the implementation today; a PostgreSQL
/// store for several stateless hub processes, or a parent hub's store, implements the same protocol.
public protocol HubStore: Sendable {
    /// Merges a store's batch and answers it (docs/protocol.md).
    func syncAsync(_ request: SyncRequest, store: String, now: Date) async throws -> SyncResponse
    /// The store or operator a bearer token belongs to; nil when unknown, malformed or revoked.
    func authenticate(token: String) throws -> Principal?
    func startSession(operatorToken: String, lifetime: TimeInterval, now: Date) throws -> String?
    func sessionOperator(_ session: String, now: Date) throws -> String?
    func sessionExpiry(_ session: String, now: Date) throws -> Date?
    func listStores() throws -> [HubDatabase.EnrolledStore]
    func fleetStatus(staleAfter: TimeInterval, now: Date) throws -> [FleetStatusRow]
    func records(set: String, store: String?, date: String?, afterSeq: Int64, limit: Int) throws -> [[String: FieldValue]]
    /// Everything the county views of one date need, from one consistent read.
    func snapshot(date: CalendarDate, settings: ViewSettings, now: Date) throws -> CountySnapshot
    func latestReportDate() throws -> CalendarDate?
}

extension HubDatabase: HubStore {}
