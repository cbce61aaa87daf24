/// Green-channel passes and online-order deliveries (schema version 2; docs/protocol.md).
///
/// Passes are decisions of the hub: it signs each one, publishes its public key and every revocation
/// as reference data (so any agent verifies a pass with no network), and sends each store its own
/// passes. Deliveries are facts several devices of a store count at once: PN counters that add up.
extension RecordSetSchema {
    /// The hub's pass-signing public keys, keyed by key id: reference data for every agent.
    public static let passKey = RecordSetSchema(
        name: "pass_key",
        keyParts: [KeyPart("id", .identifier)],
        fields: [
            FieldSpec("public_key", .register, .text, maximum: 100),
            FieldSpec("created_at", .register, .text, maximum: 40),
        ],
        writers: .hub,
        isReference: true,
        sinceSchema: 2
    )

    /// Revoked passes, keyed by pass id: reference data for every agent.
    public static let passRevocation = RecordSetSchema(
        name: "pass_revocation",
        keyParts: [KeyPart("id", .identifier)],
        fields: [
            FieldSpec("revoked_at", .register, .text, maximum: 40),
            FieldSpec("reason", .register, .text, maximum: 500),
        ],
        writers: .hub,
        isReference: true,
        sinceSchema: 2
    )

    /// A pass issued to a store, keyed `<store>/<pass id>`: synced down to that store only.
    public static let pass = RecordSetSchema(
        name: "pass",
        keyParts: [KeyPart("store", .store), KeyPart("id", .identifier)],
        fields: [
            FieldSpec("plate", .register, .text, maximum: 40),
            FieldSpec("driver", .register, .text, maximum: 100),
            FieldSpec("cargo", .register, .text, maximum: 200),
            FieldSpec("route", .register, .text, maximum: 200),
            FieldSpec("valid_from", .register, .date),
            FieldSpec("valid_to", .register, .date),
            FieldSpec("code", .register, .text, maximum: 1000),
            FieldSpec("issued_at", .register, .text, maximum: 40),
        ],
        writers: .hub,
        sinceSchema: 2
    )

    /// One store's online orders and home deliveries of one day. Counters add what every device
    /// records; the fleet figures are last-writer-wins registers.
    public static let delivery = RecordSetSchema(
        name: "delivery",
        keyParts: [KeyPart("store", .store), KeyPart("date", .date)],
        fields: [
            FieldSpec("orders", .counter, .integer, nonNegative: true, maximum: 1e12),
            FieldSpec("served", .counter, .integer, nonNegative: true, maximum: 1e12),
            FieldSpec("revenue", .counter, .integer, nonNegative: true, maximum: 1e15),
            FieldSpec("vehicles", .register, .integer, nonNegative: true, maximum: 1e6),
            FieldSpec("staff", .register, .integer, nonNegative: true, maximum: 1e6),
            FieldSpec("groups", .register, .integer, nonNegative: true, maximum: 1e6),
            FieldSpec("townships", .register, .text, maximum: 500),
        ],
        writers: .stores,
        sinceSchema: 2
    )

    /// What one store delivered of one commodity on one day, in thousandths of the catalog unit
    /// (a counter, so that two devices' deliveries add up).
    public static let deliveryQuantity = RecordSetSchema(
        name: "delivery_quantity",
        keyParts: [KeyPart("store", .store), KeyPart("date", .date), KeyPart("commodity", .commodity)],
        fields: [FieldSpec("milli", .counter, .integer, nonNegative: true, maximum: 1e15)],
        writers: .stores,
        sinceSchema: 2
    )
}
