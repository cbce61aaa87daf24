/// The record sets of the data model (docs/design.md, "Data: record sets"): their keys, fields and
/// who may write them. The record store derives its tables' columns from these schemas.

/// The type a field's value must have.
public enum FieldType: Sendable, Hashable {
    /// A whole number (counts, integer fen, days).
    case integer
    /// A decimal quantity (stock in the catalog unit, temperatures).
    case decimal
    case text
    /// A calendar date, `YYYY-MM-DD`.
    case date
    /// One of a fixed list of words.
    case choice([String])
    /// A commodity id: an identifier, and one of the catalog's once a catalog is known.
    case commodity
}

/// One field of a record set.
public struct FieldSpec: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case register, counter }

    public let name: String
    public let kind: Kind
    public let type: FieldType
    /// Refuse negative values (stock, prices, counts).
    public let nonNegative: Bool
    /// Largest accepted value for numbers, length for text.
    public let maximum: Double?

    public init(_ name: String, _ kind: Kind = .register, _ type: FieldType, nonNegative: Bool = false, maximum: Double? = nil) {
        self.name = name
        self.kind = kind
        self.type = type
        self.nonNegative = nonNegative
        self.maximum = maximum
    }
}

/// One part of a record key.
public struct KeyPart: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case store, commodity, date, identifier }
    public let name: String
    public let kind: Kind
    public init(_ name: String, _ kind: Kind) {
        self.name = name
        self.kind = kind
    }
}

/// The schema of one record set.
public struct RecordSetSchema: Sendable, Hashable {
    /// Who writes a record set: stores (their own records), the hub, or both.
    public enum Writers: Sendable, Hashable { case stores, hub, storesAndHub }

    public let name: String
    public let keyParts: [KeyPart]
    public let fields: [FieldSpec]
    public let writers: Writers
    /// Reference data every agent receives (catalog, notices).
    public let isReference: Bool
    /// Reference data each agent receives for its own store only (the store registry: sending every
    /// store's entry to every agent would cost stores² changes on a fleet's first contact).
    public let isPerStoreReference: Bool
    /// Every distinct change is kept in the change log, even one that loses to a later write, because
    /// the history itself matters (store status: who closed or opened a store, from when).
    public let keepsHistory: Bool
    /// The schema version that introduced this set: a hub sends it only to agents of that version or
    /// later, and refuses it from older ones (docs/protocol.md, "Versions").
    public let sinceSchema: Int
    private let fieldIndex: [String: FieldSpec]

    public init(
        name: String, keyParts: [KeyPart], fields: [FieldSpec], writers: Writers, isReference: Bool = false,
        isPerStoreReference: Bool = false, keepsHistory: Bool = false, sinceSchema: Int = 1
    ) {
        self.sinceSchema = sinceSchema
        self.isPerStoreReference = isPerStoreReference
        self.name = name
        self.keyParts = keyParts
        self.fields = fields
        self.writers = writers
        self.isReference = isReference
        self.keepsHistory = keepsHistory
        var index = [String: FieldSpec]()
        for f in fields { index[f.name] = f }
        index[RecordState.tombstoneField] = FieldSpec(RecordState.tombstoneField, .register, .integer, nonNegative: true, maximum: 1)
        self.fieldIndex = index
    }

    public func field(_ name: String) -> FieldSpec? { fieldIndex[name] }

    /// The store a record belongs to, when its key has a store part.
    public var storePartIndex: Int? { keyParts.firstIndex { $0.kind == .store } }

    public func key(_ parts: String...) -> String { parts.joined(separator: "/") }
}

extension RecordSetSchema {
    public static let stock = RecordSetSchema(
        name: "stock",
        keyParts: [KeyPart("store", .store), KeyPart("commodity", .commodity), KeyPart("date", .date)],
        fields: [
            FieldSpec("on_hand", .register, .decimal, nonNegative: true, maximum: 1e12),
            FieldSpec("received", .register, .decimal, nonNegative: true, maximum: 1e12),
            FieldSpec("sold", .register, .decimal, nonNegative: true, maximum: 1e12),
            FieldSpec("price", .register, .integer, nonNegative: true, maximum: 1e10),
            FieldSpec("source", .register, .text, maximum: 200),
            FieldSpec("restock_days", .register, .integer, nonNegative: true, maximum: 365),
            FieldSpec("transport_days", .register, .integer, nonNegative: true, maximum: 365),
            FieldSpec("channel", .register, .text, maximum: 200),
            FieldSpec("note", .register, .text, maximum: 1000),
        ],
        writers: .stores
    )

    public static let checkpoint = RecordSetSchema(
        name: "checkpoint",
        keyParts: [KeyPart("store", .store), KeyPart("date", .date)],
        fields: ["checked", "refused_fever", "refused_no_mask", "staff_checked", "disinfections"].map {
            FieldSpec($0, .counter, .integer, nonNegative: true, maximum: 1e12)
        },
        writers: .stores
    )

    public static let incident = RecordSetSchema(
        name: "incident",
        keyParts: [KeyPart("store", .store), KeyPart("id", .identifier)],
        fields: [
            FieldSpec("time", .register, .text, maximum: 40),
            FieldSpec("date", .register, .date),
            FieldSpec("temperature", .register, .decimal, nonNegative: true, maximum: 45),
            FieldSpec("action", .register, .choice(["refused", "referred"])),
        ],
        writers: .stores
    )

    public static let storeStatus = RecordSetSchema(
        name: "store_status",
        keyParts: [KeyPart("store", .store)],
        fields: [
            FieldSpec("state", .register, .choice(["open", "closed"])),
            FieldSpec("reason", .register, .text, maximum: 500),
            FieldSpec("since", .register, .date),
            FieldSpec("authority", .register, .choice(StatusAuthority.allCases.map(\.rawValue))),
        ],
        writers: .storesAndHub,
        keepsHistory: true
    )

    public static let catalog = RecordSetSchema(
        name: "catalog",
        keyParts: [KeyPart("commodity", .identifier)],
        fields: [
            FieldSpec("unit", .register, .choice(CommodityUnit.allCases.map(\.rawValue))),
            FieldSpec("name_en", .register, .text, maximum: 100),
            FieldSpec("name_zh", .register, .text, maximum: 100),
            FieldSpec("min_days", .register, .integer, nonNegative: true, maximum: 365),
        ],
        writers: .hub,
        isReference: true
    )

    public static let stores = RecordSetSchema(
        name: "stores",
        keyParts: [KeyPart("store", .identifier)],
        fields: [
            FieldSpec("name", .register, .text, maximum: 200),
            FieldSpec("township", .register, .text, maximum: 200),
            FieldSpec("kind", .register, .choice(StoreKind.allCases.map(\.rawValue))),
        ],
        writers: .hub,
        isPerStoreReference: true
    )

    public static let notices = RecordSetSchema(
        name: "notices",
        keyParts: [KeyPart("id", .identifier)],
        fields: [
            FieldSpec("text", .register, .text, maximum: 4000),
            FieldSpec("posted_at", .register, .text, maximum: 40),
        ],
        writers: .hub,
        isReference: true
    )

    /// Every record set, in a stable order.
    public static let all: [RecordSetSchema] = [
        stock, checkpoint, incident, storeStatus, catalog, stores, notices, need, offer, match, matchAnswer,
        passKey, passRevocation, pass, delivery, deliveryQuantity,
    ]

    private static let byName: [String: RecordSetSchema] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    public static func named(_ name: String) -> RecordSetSchema? { byName[name] }
}
