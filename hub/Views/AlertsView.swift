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
    /// stale_store, disinfection, clock_skew
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
            alerts.append(Alert(severity: .warning, kind: "stale_store", store: s, commodity: nil,
                                message: "\(n(s)) has not synced for over \(Int(settings.staleAfter / 3600)) h",
                                messageZh: "\(n(s)) 超过 \(Int(settings.staleAfter / 3600)) 小时未同步"))
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
