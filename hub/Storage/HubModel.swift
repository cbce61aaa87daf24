import BaogongModel
import Foundation

/// Who a request comes from, once its bearer token or session cookie has been checked.
public enum Principal: Sendable, Hashable {
    case store(String)
    case `operator`(String, OperatorRole)
    /// A county hub syncing upward to this (city) hub.
    case county(String)
}

/// What an operator may do (`baogong-hub operators add --role`). Every role reads the views and the
/// dashboard; the hub refuses the rest with 403 and the dashboard hides the forms.
public enum OperatorRole: String, CaseIterable, Sendable, Codable {
    /// Reads only (the default for a new operator).
    case viewer
    /// Also confirms and cancels matches on the matching desk.
    case dispatcher
    /// Everything an operator can do over HTTP. Operators created before roles existed are admins,
    /// so that upgrading the hub takes no right away.
    case admin

    public var mayDispatch: Bool { self == .dispatcher || self == .admin }

    /// "viewer, dispatcher or admin", for messages.
    public static var accepted: String {
        let names = allCases.map(\.rawValue)
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}

/// A store enrolled at the hub, as `stores list` and `GET /v1/stores` show it.
public struct EnrolledStore: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var township: String?
    public var kind: StoreKind?
    public var createdAt: String
    public var revoked: Bool
    enum CodingKeys: String, CodingKey { case id, name, township, kind, createdAt = "created_at", revoked }

    public init(id: String, name: String, township: String?, kind: StoreKind?, createdAt: String, revoked: Bool) {
        self.id = id
        self.name = name
        self.township = township
        self.kind = kind
        self.createdAt = createdAt
        self.revoked = revoked
    }
}

/// An operator (read access to views and the dashboard), as `operators list` shows it.
public struct OperatorAccount: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var role: OperatorRole
    public var createdAt: String
    public var revoked: Bool
    enum CodingKeys: String, CodingKey { case id, name, role, createdAt = "created_at", revoked }

    public init(id: String, name: String, role: OperatorRole, createdAt: String, revoked: Bool) {
        self.id = id
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.revoked = revoked
    }
}

/// A new operator and its token, shown once.
public struct IssuedOperator: Sendable, Hashable {
    public var id: String
    public var role: OperatorRole
    public var token: String
}
