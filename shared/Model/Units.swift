/// The units goods are counted in. Stock quantities are always in the commodity's catalog unit.
public enum CommodityUnit: String, CaseIterable, Sendable, Codable {
    case kg
    case jin
    case litre = "L"
    case barrel
    case bag
    case `case`

    /// Kilograms per unit for units of mass (1 jin = 0.5 kg); nil for units that count packages.
    public var kilograms: Double? {
        switch self {
        case .kg: return 1
        case .jin: return 0.5
        default: return nil
        }
    }

    public var chineseName: String {
        switch self {
        case .kg: return "千克"
        case .jin: return "斤"
        case .litre: return "升"
        case .barrel: return "桶"
        case .bag: return "袋"
        case .case: return "箱"
        }
    }

    public init(parsing text: String) throws(DomainError) {
        let lowered = text.lowercased()
        if let unit = CommodityUnit.allCases.first(where: { $0.rawValue.lowercased() == lowered }) {
            self = unit
            return
        }
        if lowered == "l" || lowered == "litre" || lowered == "liter" { self = .litre; return }
        throw DomainError(
            .invalidValue, field: "unit",
            "'\(text)' is not a unit; use one of \(CommodityUnit.allCases.map(\.rawValue).joined(separator: ", "))"
        )
    }

    /// Converts `quantity` from this unit to `target`; nil when the two do not measure the same thing.
    public func convert(_ quantity: Double, to target: CommodityUnit) -> Double? {
        if self == target { return quantity }
        guard let from = kilograms, let to = target.kilograms else { return nil }
        return quantity * from / to
    }
}

/// One commodity of the catalog the hub sends down to every agent.
public struct Commodity: Hashable, Sendable, Codable {
    public var id: String
    public var unit: CommodityUnit
    public var nameEnglish: String
    public var nameChinese: String
    /// Days of supply below which the county board marks this commodity at risk even with fast restocking.
    public var minDays: Int

    enum CodingKeys: String, CodingKey {
        case id, unit, nameEnglish = "name_en", nameChinese = "name_zh", minDays = "min_days"
    }

    public init(id: String, unit: CommodityUnit, nameEnglish: String, nameChinese: String, minDays: Int) {
        self.id = id
        self.unit = unit
        self.nameEnglish = nameEnglish
        self.nameChinese = nameChinese
        self.minDays = minDays
    }

    /// The catalog a new hub starts with: the goods the county watched daily in early 2020.
    public static let defaults: [Commodity] = [
        Commodity(id: "rice", unit: .kg, nameEnglish: "Rice", nameChinese: "大米", minDays: 7),
        Commodity(id: "flour", unit: .bag, nameEnglish: "Flour", nameChinese: "面粉", minDays: 7),
        Commodity(id: "oil", unit: .barrel, nameEnglish: "Cooking oil", nameChinese: "食用油", minDays: 7),
        Commodity(id: "pork", unit: .kg, nameEnglish: "Pork", nameChinese: "猪肉", minDays: 3),
        Commodity(id: "eggs", unit: .kg, nameEnglish: "Eggs", nameChinese: "鸡蛋", minDays: 3),
        Commodity(id: "noodles", unit: .case, nameEnglish: "Instant noodles", nameChinese: "方便面", minDays: 7),
        Commodity(id: "vegetables", unit: .kg, nameEnglish: "Vegetables", nameChinese: "蔬菜", minDays: 2),
    ]
}
