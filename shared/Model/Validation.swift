/// Checks a change against its record set's schema before anything is written, on the agent
/// (when a clerk records) and again on the hub (when a batch arrives).

/// Who is writing, which decides which record sets and keys are allowed.
public enum Writer: Sendable, Hashable {
    /// A store device: may write only its own store's records of the sets stores write.
    case store(String)
    /// The hub itself (enrolment, catalog, notices, authorisations and closure orders).
    case hub
}

public struct ChangeValidator: Sendable {
    /// Commodity ids known from the catalog; nil when no catalog is known yet (then any id is accepted).
    public var knownCommodities: Set<String>?

    public init(knownCommodities: Set<String>? = nil) { self.knownCommodities = knownCommodities }

    /// Validates `change` and returns it normalised (whole numbers in decimal fields become decimals),
    /// or throws a `DomainError` that names the offending field.
    public func validate(_ change: Change, by writer: Writer) throws(DomainError) -> Change {
        guard let schema = RecordSetSchema.named(change.set) else {
            throw DomainError(.unknownRecordSet, field: "set", "'\(change.set)' is not a record set")
        }
        guard change.timestamp.milliseconds <= HLCTimestamp.maxMilliseconds else {
            throw DomainError(.outOfRange, field: "t", "timestamp \(change.timestamp.rawValue) is beyond the year 6429")
        }
        let parts = try validateKey(change.key, schema: schema)
        switch writer {
        case .hub:
            guard schema.writers != .stores else {
                throw DomainError(.wrongStore, field: "set", "'\(schema.name)' is written by stores only")
            }
        case .store(let store):
            guard schema.writers != .hub else {
                throw DomainError(.wrongStore, field: "set", "'\(schema.name)' is written by the hub only")
            }
            if let i = schema.storePartIndex, parts[i] != store {
                throw DomainError(
                    .wrongStore, field: "key",
                    "record '\(change.key)' belongs to store '\(parts[i])', not to '\(store)'"
                )
            }
        }
        if case .store = writer, schema.name == RecordSetSchema.storeStatus.name,
            change.fields["authority"] != .text("store")
        {
            throw DomainError(
                .wrongStore, field: "authority",
                "a store records its own status only; authorisations and closure orders come from the bureau"
            )
        }
        var normalised = change
        for (name, value) in change.fields {
            guard let spec = schema.field(name), spec.kind == .register else {
                throw DomainError(.unknownField, field: name, "'\(name)' is not a field of \(schema.name)")
            }
            let checked = try Self.validate(value, spec: spec)
            if spec.type == .commodity, let known = knownCommodities, let id = checked.textValue, !known.contains(id) {
                throw DomainError(.unknownCommodity, field: name, "'\(id)' is not in the catalog")
            }
            if checked != value { normalised.fields[name] = checked }  // copy the dictionary only when needed
        }
        for (name, total) in change.counters {
            try Self.validateCounter(name, total, schema: schema)
        }
        for (name, total) in change.decrements {
            try Self.validateCounter(name, total, schema: schema)
            if schema.field(name)?.nonNegative == true {
                throw DomainError(.invalidValue, field: name, "counts only grow; a decrement is not accepted")
            }
        }
        return normalised
    }

    /// Splits and checks a key; returns its parts.
    public func validateKey(_ key: String, schema: RecordSetSchema) throws(DomainError) -> [String] {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == schema.keyParts.count else {
            throw DomainError(
                .invalidKey, field: "key",
                "'\(key)' must have \(schema.keyParts.count) part(s): \(schema.keyParts.map(\.name).joined(separator: "/"))"
            )
        }
        for (part, spec) in zip(parts, schema.keyParts) {
            switch spec.kind {
            case .date:
                _ = try CalendarDate(part, field: spec.name)
            case .commodity:
                try Identifier.validate(part, field: spec.name)
                if let known = knownCommodities, !known.contains(part) {
                    throw DomainError(.unknownCommodity, field: "commodity", "'\(part)' is not in the catalog")
                }
            case .store, .identifier:
                try Identifier.validate(part, field: spec.name)
            }
        }
        return parts
    }

    static func validateCounter(_ name: String, _ total: Int64, schema: RecordSetSchema) throws(DomainError) {
        guard let spec = schema.field(name), spec.kind == .counter else {
            throw DomainError(.unknownField, field: name, "'\(name)' is not a counter of \(schema.name)")
        }
        guard total >= 0 else {
            throw DomainError(.negative, field: name, "must not be negative, got \(total)")
        }
        if let max = spec.maximum, Double(total) > max {
            throw DomainError(.outOfRange, field: name, "must be at most \(Int64(max)), got \(total)")
        }
    }

    /// Checks one register value against its field spec.
    public static func validate(_ value: FieldValue, spec: FieldSpec) throws(DomainError) -> FieldValue {
        if value == .null { return .null }
        let name = spec.name
        switch spec.type {
        case .integer:
            guard let v = value.intValue else {
                throw DomainError(.wrongType, field: name, "must be a whole number, got '\(value)'")
            }
            try checkRange(Double(v), spec: spec)
            return .int(v)
        case .decimal:
            guard let v = value.doubleValue else {
                throw DomainError(.wrongType, field: name, "must be a number, got '\(value)'")
            }
            guard v.isFinite else { throw DomainError(.notANumber, field: name, "must be a finite number") }
            try checkRange(v, spec: spec)
            return .real(v)
        case .text:
            guard let v = value.textValue else {
                throw DomainError(.wrongType, field: name, "must be text, got '\(value)'")
            }
            if let max = spec.maximum, Double(v.utf8.count) > max {
                throw DomainError(.outOfRange, field: name, "is longer than \(Int(max)) bytes")
            }
            return value
        case .date:
            guard let v = value.textValue else {
                throw DomainError(.wrongType, field: name, "must be a date YYYY-MM-DD, got '\(value)'")
            }
            _ = try CalendarDate(v, field: name)
            return value
        case .commodity:
            guard let v = value.textValue else {
                throw DomainError(.wrongType, field: name, "must be a commodity id, got '\(value)'")
            }
            try Identifier.validate(v, field: name)
            return value
        case .choice(let options):
            guard let v = value.textValue, options.contains(v) else {
                throw DomainError(.invalidValue, field: name, "must be one of \(options.joined(separator: ", ")), got '\(value)'")
            }
            return value
        }
    }

    static func checkRange(_ v: Double, spec: FieldSpec) throws(DomainError) {
        if spec.nonNegative && v < 0 {
            throw DomainError(.negative, field: spec.name, "must not be negative, got \(FieldValue.real(v).description)")
        }
        if let max = spec.maximum, v > max {
            throw DomainError(.outOfRange, field: spec.name, "must be at most \(max), got \(v)")
        }
    }
}
