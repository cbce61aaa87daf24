import BaogongModel
import Foundation
/// User-facing words in the two languages county officials read: Chinese and English.
public enum Language: String, Sendable, CaseIterable, Codable {
    case zh, en

    public init(parsing text: String?) throws(DomainError) {
        guard let text else { self = .zh; return }
        guard let l = Language(rawValue: text) else {
            throw DomainError(.invalidValue, field: "lang", "must be zh or en, got '\(text)'")
        }
        self = l
    }
}

struct Labels {
    let language: Language

    private static let table: [String: (en: String, zh: String)] = [
        "title": ("County supply board", "全县生活必需品保供看板"),
        "city_title": ("City supply board", "全市生活必需品保供看板"),
        "matching": ("Matching", "供需对接"),
        "id": ("Id", "编号"),
        "to_date": ("To date", "累计"),
        "sign_out": ("Sign out", "退出登录"),
        "pass_title": ("Green-channel pass: urgent living supplies", "绿色通道通行证·紧急生活物资运输车辆"),
        "history": ("History of a record", "数据修改记录"),
        "history_note": (
            "every write the hub has seen, oldest first; ✓ the value that stands, ✗ one that lost to a later write",
            "平台收到的每次写入，按时间先后；✓ 为当前有效值，✗ 为被后来写入覆盖的值"
        ),
        "lost_on_arrival": ("lost on arrival", "到达时已过期"),
        "time": ("Written at", "写入时间"),
        "device": ("Device", "设备"),
        "position": ("Log position", "日志序号"),
        "values": ("Values", "数值"),
        "dashboard": ("Dashboard", "看板"),
        "pass_code": ("Pass code", "通行证编码"),
        "pass_id": ("Pass number", "通行证编号"),
        "valid_from": ("Valid from", "有效期自"),
        "valid_to": ("Valid to", "有效期至"),
        "driver": ("Driver", "驾驶员"),
        "cargo": ("Cargo", "货物"),
        "route": ("Route", "路线"),
        "revoked": ("REVOKED", "已作废"),
        "passes": ("Green-channel passes", "绿色通道通行证"),
        "passes_issued": ("Issued", "已发放"),
        "passes_active": ("Active today", "今日有效"),
        "deliveries": ("Online orders and deliveries", "线上订单与配送"),
        "orders": ("Orders", "订单"),
        "served": ("Persons served", "服务人次"),
        "revenue": ("Sales (yuan)", "销售额（元）"),
        "vehicles": ("Vehicles", "车辆"),
        "staff": ("Delivery staff", "配送人员"),
        "groups": ("Order groups", "订单群"),
        "orders_per_day": ("Orders per day", "每日订单"),
        "open_needs": ("Open needs (urgent first)", "待对接需求（急需在前）"),
        "open_offers": ("Open offers", "可供货源"),
        "suggested": ("Suggested pairs", "建议对接"),
        "recent_matches": ("Recent matches", "最近对接"),
        "time_to_match": ("Time to match", "对接用时"),
        "need": ("Need", "需求"),
        "offer": ("Offer", "货源"),
        "supplier": ("Supplier", "供货方"),
        "variety": ("Variety", "品类"),
        "quantity": ("Quantity", "数量"),
        "remaining": ("Still needed", "尚缺"),
        "available": ("Available", "可供"),
        "need_by": ("Needed by", "需求日期"),
        "until": ("Until", "供应截至"),
        "location": ("Location", "地点"),
        "reason": ("Why", "理由"),
        "status": ("Status", "状态"),
        "confirm": ("Confirm", "确认对接"),
        "minutes": ("min", "分钟"),
        "none_open": ("None open.", "暂无。"),
        "no_suggestions": ("No open need has a matching open offer.", "暂无可对接的需求与货源。"),
        "view_only": ("Your role reads only; a dispatcher confirms matches.", "当前角色只读；由调度员确认对接。"),
        "matches_delivered": ("Delivered", "已送达"),
        "match_status_confirmed": ("confirmed", "已确认"),
        "match_status_accepted": ("accepted", "已接受"),
        "match_status_declined": ("declined", "已拒绝"),
        "match_status_delivered": ("delivered", "已送达"),
        "match_status_cancelled": ("cancelled", "已取消"),
        "report_title": ("Daily supply report", "生活必需品保供日报"),
        "date": ("Date", "日期"),
        "as_of": ("As of", "数据截至"),
        "days_of_supply": ("Days of supply", "可供天数"),
        "at_risk_line": ("at-risk line", "风险线"),
        "supply": ("Supply by commodity", "分品种供应"),
        "commodity": ("Commodity", "品种"),
        "unit": ("Unit", "单位"),
        "on_hand": ("On hand", "库存"),
        "avg_sales": ("Avg daily sales", "日均销量"),
        "stores_reporting": ("Stores reporting", "报送门店"),
        "stores_at_risk": ("Stores at risk", "风险门店"),
        "price_min": ("Price min", "最低价"),
        "price_median": ("Price median", "中位价"),
        "price_max": ("Price max", "最高价"),
        "grid": ("Stores × commodities", "门店 × 品种"),
        "store": ("Store", "门店"),
        "price_trend": ("Price trend (median, yuan)", "价格走势（中位数，元）"),
        "checkpoints": ("Entrance checkpoints", "入口测温点"),
        "checked": ("Checked", "测温人次"),
        "refused_fever": ("Refused: fever", "发热劝返"),
        "refused_no_mask": ("Refused: no mask", "未戴口罩劝返"),
        "staff_checked": ("Staff checked", "员工测温"),
        "disinfections": ("Disinfection rounds", "消毒次数"),
        "compliance": ("Disinfection compliance", "消毒达标"),
        "incidents": ("Fever cases", "发热病例"),
        "reporting": ("Reporting", "报送情况"),
        "expected": ("Expected", "应报"),
        "reported": ("Reported", "已报"),
        "missing": ("Missing", "未报"),
        "late": ("Late", "迟报"),
        "on_time": ("On time (timeliness)", "按时报送（及时率）"),
        "deadline": ("deadline", "报送时限"),
        "approved": ("Signed off", "已审核"),
        "after_approval": ("write(s) arrived after sign-off", "条数据在审核后到达"),
        "stale": ("Not synced (stale)", "未同步"),
        "closed": ("Closed", "停业"),
        "alerts": ("Alerts", "预警"),
        "no_alerts": ("No alerts", "无预警"),
        "notices": ("Notices", "通知"),
        "none": ("None", "无"),
        "sign_in": ("Sign in", "登录"),
        "token": ("Operator token", "操作员令牌"),
        "band.stock_out": ("Stock-out", "断货"),
        "band.critical": ("Critical", "紧急"),
        "band.at_risk": ("At risk", "风险"),
        "band.adequate": ("Adequate", "充足"),
        "band.overstocked": ("Overstocked", "积压"),
        "band.no_data": ("No data", "无数据"),
        "status_history": ("Store status", "门店营业状态"),
        "open": ("Open", "营业"),
        "show": ("Show", "查看"),
        "rate": ("Reporting rate", "报送率"),
        "days": ("days", "天"),
        "yes": ("yes", "是"),
        "counties": ("Counties", "区县"),
        "county": ("County", "区县"),
        "city_total": ("City total", "全市合计"),
        "back_to_city": ("back to the city board", "返回全市"),
        "no": ("no", "否"),
    ]

    subscript(_ key: String) -> String {
        guard let entry = Self.table[key] else { return key }
        return language == .zh ? entry.zh : entry.en
    }

    /// Both languages, for printed reports: "日期 Date".
    func both(_ key: String) -> String {
        guard let entry = Self.table[key] else { return key }
        return language == .zh ? "\(entry.zh) \(entry.en)" : "\(entry.en) (\(entry.zh))"
    }

    func commodity(_ row: CommoditySupply) -> String { language == .zh ? row.nameChinese : row.nameEnglish }
}

func fmt(_ value: Double?, _ decimals: Int = 1) -> String {
    guard let value else { return "–" }
    return String(format: "%.\(decimals)f", value)
}

let bandColours: [SupplyBand: String] = [
    .stockOut: "#7f1d1d", .critical: "#dc2626", .atRisk: "#f59e0b", .adequate: "#16a34a", .overstocked: "#2563eb",
    .noData: "#9ca3af",
]
