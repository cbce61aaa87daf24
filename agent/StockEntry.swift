import BaogongModel

/// One day's stock report for one commodity at one store, as a clerk enters it. Optional values
/// that are nil are not written, so re-recording only the count keeps the day's price and source.
public struct StockEntry: Sendable, Hashable {
    public var date: CalendarDate
    public var commodity: String
    public var onHand: Double
    public var sold: Double?
    public var received: Double?
    public var priceFen: Int64
    public var source: String?
    public var restockDays: Int64?
    public var transportDays: Int64?
    public var channel: String?
    public var note: String?

    public init(
        date: CalendarDate, commodity: String, onHand: Double, sold: Double? = nil, received: Double? = nil,
        priceFen: Int64, source: String? = nil, restockDays: Int64? = nil, transportDays: Int64? = nil,
        channel: String? = nil, note: String? = nil
    ) {
        self.date = date
        self.commodity = commodity
        self.onHand = onHand
        self.sold = sold
        self.received = received
        self.priceFen = priceFen
        self.source = source
        self.restockDays = restockDays
        self.transportDays = transportDays
        self.channel = channel
        self.note = note
    }

    public var fields: [String: FieldValue] {
        var f: [String: FieldValue] = ["on_hand": .real(onHand), "price": .int(priceFen)]
        if let sold { f["sold"] = .real(sold) }
        if let received { f["received"] = .real(received) }
        if let source { f["source"] = .text(source) }
        if let restockDays { f["restock_days"] = .int(restockDays) }
        if let transportDays { f["transport_days"] = .int(transportDays) }
        if let channel { f["channel"] = .text(channel) }
        if let note { f["note"] = .text(note) }
        return f
    }

    public func key(store: String) -> String { "\(store)/\(commodity)/\(date)" }
}

/// Increments to a day's checkpoint counters at one device.
public struct CheckpointIncrement: Sendable, Hashable {
    public var date: CalendarDate
    public var counts: [String: Int64]

    public static let fields = ["checked", "refused_fever", "refused_no_mask", "staff_checked", "disinfections"]

    public init(date: CalendarDate, counts: [String: Int64]) {
        self.date = date
        self.counts = counts
    }
}
