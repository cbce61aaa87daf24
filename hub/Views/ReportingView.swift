import BaogongModel
import Foundation

/// Who was expected to report on a date, who did, who is late, missing or stale.
public struct ReportingView: Sendable, Codable {
    public struct StoreLine: Sendable, Hashable, Codable {
        public var store: String
        public var name: String
        public var kind: StoreKind
        /// expected, closed
        public var expected: Bool
        public var reported: Bool
        /// The first report for the date reached the hub after the deadline.
        public var late: Bool
        /// Reported, and the first report reached the hub by the deadline.
        public var onTime: Bool
        /// Late, but recorded at the store before the deadline: the link was down, not the clerk.
        public var lateBecauseOffline: Bool
        public var stale: Bool
        public var receivedAt: String?
        /// When the store recorded its first report of the date (its device's hybrid clock).
        public var recordedAt: String?
        public var lastHeardAt: String?
        enum CodingKeys: String, CodingKey {
            case store, name, kind, expected, reported, late, onTime = "on_time", lateBecauseOffline = "late_because_offline", stale
            case receivedAt = "received_at", recordedAt = "recorded_at", lastHeardAt = "last_heard_at"
        }
    }

    public var date: String
    public var asOf: String
    public var expected: Int
    public var reported: Int
    /// reported / expected (1 when nobody is expected).
    public var rate: Double
    public var missing: [String]
    public var late: [String]
    /// Expected stores whose report reached the hub by the deadline.
    public var onTime: [String]
    /// on time / expected (1 when nobody is expected): timeliness, beside `rate` (completeness).
    public var onTimeRate: Double
    /// When a report for the date becomes late (ISO 8601).
    public var deadline: String
    public var stale: [String]
    public var closed: [String]
    public var stores: [StoreLine]
    /// Whether the date's figures are signed off (审核), when, and with what note.
    public var approved: Bool
    public var approvedAt: String?
    public var approvalNote: String?
    /// Stores' writes for the date merged after its sign-off (still counted in every figure).
    public var afterApproval: [AfterApprovalWrite]

    enum CodingKeys: String, CodingKey {
        case date, asOf = "as_of", deadline, expected, reported, rate, onTime = "on_time", onTimeRate = "on_time_rate"
        case missing, late, stale, closed, stores
        case approved, approvedAt = "approved_at", approvalNote = "approval_note", afterApproval = "after_approval"
    }
}

/// Checkpoint totals of a date and disinfection compliance.
public struct CheckpointView: Sendable, Codable {
    public struct Totals: Sendable, Hashable, Codable {
        public var checked: Int64 = 0
        public var refusedFever: Int64 = 0
        public var refusedNoMask: Int64 = 0
        public var staffChecked: Int64 = 0
        public var disinfections: Int64 = 0
        enum CodingKeys: String, CodingKey {
            case checked, refusedFever = "refused_fever", refusedNoMask = "refused_no_mask"
            case staffChecked = "staff_checked", disinfections
        }
    }

    public struct StoreLine: Sendable, Hashable, Codable {
        public var store: String
        public var reported: Bool
        public var totals: Totals
        public var compliant: Bool
    }

    public var date: String
    public var checked: Int64
    public var refusedFever: Int64
    public var refusedNoMask: Int64
    public var staffChecked: Int64
    public var disinfections: Int64
    public var requiredDisinfections: Int64
    /// Stores that reported checkpoints and made the required disinfection rounds.
    public var compliantStores: Int
    /// Open stores that reported checkpoint counts for the date (the others show in reporting as missing).
    public var reportingStores: Int
    public var openStores: Int
    public var nonCompliant: [String]
    public var incidents: Int
    public var stores: [StoreLine]

    enum CodingKeys: String, CodingKey {
        case date, checked, refusedFever = "refused_fever", refusedNoMask = "refused_no_mask"
        case staffChecked = "staff_checked", disinfections, requiredDisinfections = "required_disinfections"
        case compliantStores = "compliant_stores", reportingStores = "reporting_stores", openStores = "open_stores"
        case nonCompliant = "non_compliant"
        case incidents, stores
    }
}

public struct StoreHistory: Sendable, Codable {
    public var store: String
    public var name: String
    public var openOnDate: Bool
    public var events: [StatusEvent]
    enum CodingKeys: String, CodingKey { case store, name, openOnDate = "open_on_date", events }
}

extension CountySnapshot {
    /// The moment after which a report for the snapshot's date is late: the deadline's time of day
    /// on the following day, China time.
    public var lateDeadline: Date {
        let midnight = Double(date.adding(days: 1).dayNumber) * 86_400 - 8 * 3600
        return Date(timeIntervalSince1970: midnight + Double(settings.reportDeadlineMinutes) * 60)
    }

    /// The start of the snapshot's date, China time: with its deadline, the date's reporting window.
    public var reportingWindowStart: Date {
        Date(timeIntervalSince1970: Double(date.dayNumber) * 86_400 - 8 * 3600)
    }

    /// Whether the date's deadline had passed when the snapshot was taken: then the views judge it as
    /// of the deadline (`asOf` is the deadline), and a device is stale for the date when the hub heard
    /// nothing from it during the date's reporting window (the day and up to the deadline).
    public var judgedAtDeadline: Bool { asOf == lateDeadline }

    public func reporting() -> ReportingView {
        let day = date.dayNumber
        var reportedStores = Set(stock.lazy.filter { $0.day == day }.map(\.store))
        reportedStores.formUnion(checkpoints.map(\.store))
        var lastHeard = [String: (Date?, Bool)]()
        for row in fleet {
            let heard = row.lastHeardAt.flatMap(Timestamps.parse)
            let (previous, allStale) = lastHeard[row.store] ?? (nil, true)
            let newest = [previous, heard].compactMap { $0 }.max()
            lastHeard[row.store] = (newest, allStale && row.stale)
        }
        var lines = [ReportingView.StoreLine]()
        for store in reportingStores {
            let expected = isOpen(store.id, day: day)
            let reported = reportedStores.contains(store.id)
            let arrival = arrivals[store.id]
            let (heard, stale) = lastHeard[store.id] ?? (nil, true)
            let late = reported && (arrival.map { $0.receivedAt > lateDeadline } ?? false)
            lines.append(
                ReportingView.StoreLine(
                    store: store.id, name: store.name, kind: store.kind, expected: expected, reported: reported,
                    late: late, onTime: reported && !late, lateBecauseOffline: late && (arrival.map { $0.recordedAt <= lateDeadline } ?? false),
                    stale: stale, receivedAt: arrival.map { Timestamps.iso($0.receivedAt) },
                    recordedAt: arrival.map { Timestamps.iso($0.recordedAt) }, lastHeardAt: heard.map(Timestamps.iso)
                )
            )
        }
        let expected = lines.filter(\.expected)
        let reported = expected.filter(\.reported)
        let onTime = expected.filter(\.onTime)
        return ReportingView(
            date: date.description, asOf: Timestamps.iso(asOf), expected: expected.count, reported: reported.count,
            rate: expected.isEmpty ? 1 : Double(reported.count) / Double(expected.count),
            missing: expected.filter { !$0.reported }.map(\.store), late: expected.filter(\.late).map(\.store),
            onTime: onTime.map(\.store), onTimeRate: expected.isEmpty ? 1 : Double(onTime.count) / Double(expected.count),
            deadline: Timestamps.iso(lateDeadline),
            stale: expected.filter(\.stale).map(\.store), closed: lines.filter { !$0.expected }.map(\.store),
            stores: lines, approved: approval != nil, approvedAt: approval?.approvedAt, approvalNote: approval?.note,
            afterApproval: afterApproval
        )
    }

    public func checkpointTotals() -> CheckpointView {
        let day = date.dayNumber
        var total = CheckpointView.Totals()
        var byStore = [String: CheckpointView.Totals]()
        for c in checkpoints {
            total.checked += c.checked
            total.refusedFever += c.refusedFever
            total.refusedNoMask += c.refusedNoMask
            total.staffChecked += c.staffChecked
            total.disinfections += c.disinfections
            byStore[c.store] = CheckpointView.Totals(
                checked: c.checked, refusedFever: c.refusedFever, refusedNoMask: c.refusedNoMask,
                staffChecked: c.staffChecked, disinfections: c.disinfections
            )
        }
        let open = reportingStores.filter { isOpen($0.id, day: day) }
        let lines = open.map { store in
            let t = byStore[store.id]
            return CheckpointView.StoreLine(
                store: store.id, reported: t != nil, totals: t ?? CheckpointView.Totals(),
                compliant: t.map { $0.disinfections >= settings.requiredDisinfections } ?? false
            )
        }
        return CheckpointView(
            date: date.description, checked: total.checked, refusedFever: total.refusedFever,
            refusedNoMask: total.refusedNoMask, staffChecked: total.staffChecked, disinfections: total.disinfections,
            requiredDisinfections: settings.requiredDisinfections, compliantStores: lines.filter(\.compliant).count,
            reportingStores: lines.filter(\.reported).count, openStores: lines.count,
            nonCompliant: lines.filter { $0.reported && !$0.compliant }.map(\.store), incidents: incidents,
            stores: lines
        )
    }

    public func storeHistory() -> [StoreHistory] {
        activeStores.map { store in
            StoreHistory(
                store: store.id, name: store.name, openOnDate: isOpen(store.id, day: date.dayNumber),
                events: (statusEvents[store.id] ?? []).sorted { ($0.since, $0.timestamp) < ($1.since, $1.timestamp) }
            )
        }
    }
}
