import BaogongModel
import Foundation

/// Who a request comes from, once its bearer token or session cookie has been checked.
public enum Principal: Sendable, Hashable {
    case store(String)
    case `operator`(String)
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
    public var createdAt: String
    public var revoked: Bool
    enum CodingKeys: String, CodingKey { case id, name, createdAt = "created_at", revoked }

    public init(id: String, name: String, createdAt: String, revoked: Bool) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.revoked = revoked
    }
}

/// A new operator and its token, shown once.
public struct IssuedOperator: Sendable, Hashable {
    public var id: String
    public var token: String
}
