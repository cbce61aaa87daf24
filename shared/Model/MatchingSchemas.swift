/// The matching desk's record sets (供需对接, schema version 2; docs/protocol.md, "Matching").
///
/// Needs and offers are facts a site owns: last-writer-wins fields that only its own devices write.
/// Matches are decisions: the hub allocates in one transaction and publishes one `match` record per
/// party (keyed by that party's site, so it syncs down to the two sites concerned and to no one
/// else). A site's answer to a match is a record of its own (`match_answer`); the hub folds the two
/// answers into the match's status. A merge never allocates.
extension RecordSetSchema {
    public static let need = RecordSetSchema(
        name: "need",
        keyParts: [KeyPart("store", .store), KeyPart("id", .identifier)],
        fields: [
            FieldSpec("commodity", .register, .commodity),
            FieldSpec("variety", .register, .text, maximum: 200),
            FieldSpec("quantity", .register, .decimal, nonNegative: true, maximum: 1e12),
            FieldSpec("by", .register, .date),
            FieldSpec("note", .register, .text, maximum: 1000),
            FieldSpec("posted_at", .register, .text, maximum: 40),
            FieldSpec("status", .register, .choice(PostingStatus.allCases.map(\.rawValue))),
        ],
        writers: .stores,
        sinceSchema: 2
    )

    public static let offer = RecordSetSchema(
        name: "offer",
        keyParts: [KeyPart("store", .store), KeyPart("id", .identifier)],
        fields: [
            FieldSpec("commodity", .register, .commodity),
            FieldSpec("variety", .register, .text, maximum: 200),
            FieldSpec("quantity", .register, .decimal, nonNegative: true, maximum: 1e12),
            FieldSpec("until", .register, .date),
            FieldSpec("location", .register, .text, maximum: 200),
            FieldSpec("price", .register, .integer, nonNegative: true, maximum: 1e10),
            FieldSpec("posted_at", .register, .text, maximum: 40),
            FieldSpec("status", .register, .choice(PostingStatus.allCases.map(\.rawValue))),
        ],
        writers: .stores,
        sinceSchema: 2
    )

    /// One record per party of a match, keyed `<party site>/<match id>`; written by the hub only.
    public static let match = RecordSetSchema(
        name: "match",
        keyParts: [KeyPart("store", .store), KeyPart("id", .identifier)],
        fields: [
            FieldSpec("side", .register, .choice(MatchSide.allCases.map(\.rawValue))),
            FieldSpec("need", .register, .text, maximum: 64),
            FieldSpec("offer", .register, .text, maximum: 64),
            FieldSpec("need_store", .register, .text, maximum: 64),
            FieldSpec("offer_store", .register, .text, maximum: 64),
            FieldSpec("counterpart_name", .register, .text, maximum: 200),
            FieldSpec("commodity", .register, .commodity),
            FieldSpec("variety", .register, .text, maximum: 200),
            FieldSpec("quantity", .register, .decimal, nonNegative: true, maximum: 1e12),
            FieldSpec("unit", .register, .choice(CommodityUnit.allCases.map(\.rawValue))),
            FieldSpec("location", .register, .text, maximum: 200),
            FieldSpec("status", .register, .choice(MatchStatus.allCases.map(\.rawValue))),
            FieldSpec("posted_at", .register, .text, maximum: 40),
            FieldSpec("confirmed_at", .register, .text, maximum: 40),
            FieldSpec("received", .register, .decimal, nonNegative: true, maximum: 1e12),
            FieldSpec("closed_at", .register, .text, maximum: 40),
            FieldSpec("reason", .register, .text, maximum: 500),
        ],
        writers: .hub,
        sinceSchema: 2
    )

    /// A site's answer to a match, keyed `<site>/<match id>`.
    public static let matchAnswer = RecordSetSchema(
        name: "match_answer",
        keyParts: [KeyPart("store", .store), KeyPart("id", .identifier)],
        fields: [
            FieldSpec("answer", .register, .choice(MatchAnswer.allCases.map(\.rawValue))),
            FieldSpec("reason", .register, .text, maximum: 500),
            FieldSpec("received", .register, .decimal, nonNegative: true, maximum: 1e12),
            FieldSpec("received_at", .register, .text, maximum: 40),
        ],
        writers: .stores,
        sinceSchema: 2
    )
}
