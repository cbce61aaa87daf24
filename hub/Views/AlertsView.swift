import BaogongModel
import Foundation

/// One alert for the command centre, with English and Chinese wording.
public struct Alert: Sendable, Hashable, Codable {
    public enum Severity: String, Sendable, Codable, Comparable {
        case critical, warning, info
        var rank: Int { self == .critical ? 0 : self == .warning ? 1 : 2 }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    public var severity: Severity
    /// stock_out, critical_supply, at_risk_supply, county_at_risk, price, missing_report, late_report,
    /// stale_store, disinfection, clock_skew, post_need, offer_expiring
    public var kind: String
    public var store: String?
    public var commodity: String?
    public var message: String
    public var messageZh: String

    enum CodingKeys: String, CodingKey { case severity, kind, store, commodity, message, messageZh = "message_zh" }
}

extension CountySnapshot {
    /// Every alert of the date, most severe first. Reuses views already computed from this snapshot.
    public func alerts(
        supply givenSupply: SupplyView? = nil, reporting givenReporting: ReportingView? = nil,
        checkpoints givenCheckpoints: CheckpointView? = nil
    ) -> [Alert] {
        let supply = givenSupply ?? self.supply()
        let reporting = givenReporting ?? self.reporting()
        let checkpoints = givenCheckpoints ?? self.checkpointTotals()
        let names = Dictionary(uniqueKeysWithValues: stores.map { ($0.id, $0.name) })
        let zh = Dictionary(uniqueKeysWithValues: catalog.map { ($0.id, $0.nameChinese) })
        func n(_ s: String) -> String { names[s] ?? s }
        var alerts = [Alert]()
        for row in supply.commodities where row.band.isProblem {
            let dos = row.daysOfSupply.map { String(format: "%.1f", $0) } ?? "0"
            alerts.append(
                Alert(
                    severity: row.band == .atRisk ? .warning : .critical, kind: "county_at_risk", store: nil,
                    commodity: row.commodity,
                    message: "County supply of \(row.nameEnglish) is \(dos) days, below \(row.minDays)",
                    messageZh: "全县\(row.nameChinese)可供天数 \(dos) 天，低于 \(row.minDays) 天"
                )
            )
        }
        for s in supply.stores where s.band.isProblem {
            let c = zh[s.commodity] ?? s.commodity
            let dos = s.daysOfSupply.map { String(format: "%.1f", $0) } ?? "0"
            switch s.band {
            case .stockOut:
                alerts.append(Alert(severity: .critical, kind: "stock_out", store: s.store, commodity: s.commodity,
                                    message: "\(n(s.store)): \(s.commodity) is out of stock",
                                    messageZh: "\(n(s.store))：\(c)断货"))
            case .critical:
                alerts.append(Alert(severity: .critical, kind: "critical_supply", store: s.store, commodity: s.commodity,
                                    message: "\(n(s.store)): \(s.commodity) has \(dos) days of supply",
                                    messageZh: "\(n(s.store))：\(c)仅可供 \(dos) 天"))
            default:
                alerts.append(Alert(severity: .warning, kind: "at_risk_supply", store: s.store, commodity: s.commodity,
                                    message: "\(n(s.store)): \(s.commodity) has \(dos) days of supply, less than restock time",
                                    messageZh: "\(n(s.store))：\(c)可供 \(dos) 天，少于补货时间"))
            }
        }
        // The matching desk: a store running out within its lead time should ask for goods, and a
        // surplus about to expire unmatched should be placed.
        // A need counts while it is open and either unallocated or not yet due (its goods are on the way).
        let day = date.description
        let openNeeds = Set(
            matching.needs.filter { $0.status == .open && ($0.remaining > 1e-9 || ($0.by ?? "") >= day) }
                .map { $0.store + "/" + $0.commodity }
        )
        for s in supply.stores where !openNeeds.contains(s.store + "/" + s.commodity) {
            // Under its lead time, or within a day of running out (stock-out, critical).
            guard let days = s.daysOfSupply, days < Double(s.leadDays) || s.band == .stockOut || s.band == .critical else { continue }
            let c = zh[s.commodity] ?? s.commodity
            let dos = String(format: "%.1f", days)
            let underLead = days < Double(s.leadDays)
            alerts.append(Alert(severity: .warning, kind: "post_need", store: s.store, commodity: s.commodity,
                                message: "\(n(s.store)): \(s.commodity) has \(dos) days of supply"
                                    + (underLead ? ", under its \(s.leadDays)-day lead time," : "") + " and no open need: post a need",
                                messageZh: "\(n(s.store))：\(c)可供 \(dos) 天" + (underLead ? "，少于 \(s.leadDays) 天补货周期" : "")
                                    + "，尚未发布需求：请发布需求"))
        }
        let today = Timestamps.today(asOf)
        let soon = today.adding(days: 1).description
        for o in matching.offers where o.status == .open && o.remaining > 1e-9 {
            guard let until = o.until, until >= today.description, until <= soon else { continue }
            let c = zh[o.commodity] ?? o.commodity
            let left = String(format: "%g", (o.remaining * 10).rounded() / 10)
            alerts.append(Alert(severity: .info, kind: "offer_expiring", store: o.store, commodity: o.commodity,
                                message: "\(n(o.store)): offer \(o.id) of \(left) \(o.commodity) ends \(until) unmatched",
                                messageZh: "\(n(o.store))：货源 \(o.id)（\(c) \(left)）将于 \(until) 到期，尚未对接"))
        }
        for p in supply.priceAlerts {
            let c = zh[p.commodity] ?? p.commodity
            alerts.append(Alert(severity: .warning, kind: "price", store: p.store, commodity: p.commodity,
                                message: "\(n(p.store)): \(p.commodity) at \(String(format: "%.2f", p.price)) yuan, \(p.reason)",
                                messageZh: "\(n(p.store))：\(c)价格 \(String(format: "%.2f", p.price)) 元，涨幅异常"))
        }
        for s in reporting.missing {
            alerts.append(Alert(severity: .warning, kind: "missing_report", store: s, commodity: nil,
                                message: "\(n(s)) has not reported for \(date)", messageZh: "\(n(s)) 未报送 \(date) 数据"))
        }
        for s in reporting.late {
            alerts.append(Alert(severity: .info, kind: "late_report", store: s, commodity: nil,
                                message: "\(n(s)) reported \(date) late", messageZh: "\(n(s)) 迟报 \(date) 数据"))
        }
        for s in reporting.stale {
            if judgedAtDeadline {
                let by = Timestamps.countyTime(lateDeadline)
                alerts.append(Alert(severity: .warning, kind: "stale_store", store: s, commodity: nil,
                                    message: "\(n(s)) was not heard from between \(date) and the deadline (\(by))",
                                    messageZh: "\(n(s)) 在 \(date) 至报送时限（\(by)）期间未同步"))
            } else {
                alerts.append(Alert(severity: .warning, kind: "stale_store", store: s, commodity: nil,
                                    message: "\(n(s)) has not synced for over \(Int(settings.staleAfter / 3600)) h",
                                    messageZh: "\(n(s)) 超过 \(Int(settings.staleAfter / 3600)) 小时未同步"))
            }
        }
        for s in checkpoints.nonCompliant {
            alerts.append(Alert(severity: .info, kind: "disinfection", store: s, commodity: nil,
                                message: "\(n(s)) made fewer than \(settings.requiredDisinfections) disinfection rounds",
                                messageZh: "\(n(s)) 消毒不足 \(settings.requiredDisinfections) 次"))
        }
        for r in fleet where r.replica != nil && (abs(r.clockSkewMs) > 5 * 60_000 || r.futureChanges > 0) {
            alerts.append(Alert(severity: .info, kind: "clock_skew", store: r.store, commodity: nil,
                                message: "device \(r.replica!) clock is off by \(r.clockSkewMs / 60_000) min",
                                messageZh: "设备 \(r.replica!) 时钟偏差 \(r.clockSkewMs / 60_000) 分钟"))
        }
        return alerts.enumerated().sorted { ($0.element.severity, $0.offset) < ($1.element.severity, $1.offset) }.map(\.element)
    }
}
