import BaogongModel
import Foundation
import PostgresNIO

/// Where a PostgreSQL hub database is: `postgres://user[:password]@host[:port]/dbname`
/// (`postgresql://` too), or `postgres://user@/dbname?host=/path/to/socket-dir` for a Unix socket,
/// as libpq and `psql` read it. `?sslmode=disable|prefer|require` chooses TLS (default `prefer` on
/// TCP; a Unix socket never uses it).
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public enum Endpoint: Sendable, Hashable {
        case tcp(host: String, port: Int)
        /// The directory of the server's socket; the socket is `<dir>/.s.PGSQL.<port>`.
        case socket(directory: String, port: Int)
    }

    public enum TLSMode: String, Sendable, Hashable { case disable, prefer, require }

    public var endpoint: Endpoint
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    /// Parses a URL; a malformed one is refused with the part at fault, never a guess.
    public init(_ text: String, field: String = "database") throws(DomainError) {
        func refuse(_ why: String) -> DomainError {
            DomainError(.invalidValue, field: field, "\(why); expected postgres://user[:password]@host[:port]/dbname")
        }
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://"), let url = URLComponents(string: text) else {
            throw refuse("'\(PostgresLocation.redacted(text))' is not a postgres:// URL")
        }
        guard let user = url.user, !user.isEmpty else { throw refuse("the URL names no user") }
        let name = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        guard !name.isEmpty, !name.contains("/") else { throw refuse("the URL names no database after the host") }
        var socketDirectory: String?
        var tls = TLSMode.prefer
        for item in url.queryItems ?? [] {
            switch item.name {
            case "host":
                guard let value = item.value, value.hasPrefix("/") else { throw refuse("?host= must be a socket directory (an absolute path)") }
                socketDirectory = value
            case "sslmode":
                guard let value = item.value, let mode = TLSMode(rawValue: value) else {
                    throw refuse("sslmode must be disable, prefer or require")
                }
                tls = mode
            default:
                throw refuse("unknown URL parameter '\(item.name)' (host and sslmode are understood)")
            }
        }
        let port = url.port ?? 5432
        guard (1...65535).contains(port) else { throw refuse("port \(port) is out of range") }
        if let socketDirectory {
            endpoint = .socket(directory: socketDirectory, port: port)
        } else {
            guard let host = url.host, !host.isEmpty else { throw refuse("the URL names no host (or ?host=/socket/dir)") }
            endpoint = .tcp(host: host, port: port)
        }
        self.user = user
        self.password = url.password
        self.database = name
        self.tls = tls
    }

    /// The client configuration postgres-nio connects with.
    public func configuration() throws -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        switch endpoint {
        case .tcp(let host, let port):
            let tls: PostgresClient.Configuration.TLS
            switch self.tls {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(.makeClientConfiguration())
            case .require: tls = .require(.makeClientConfiguration())
            }
            configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: tls)
        case .socket(let directory, let port):
            configuration = .init(
                unixSocketPath: "\(directory)/.s.PGSQL.\(port)", username: user, password: password, database: database
            )
        }
        configuration.options.maximumConnections = 16
        return configuration
    }

    /// The URL in full, password included: for a child process (`serve --database`), never a log.
    public var url: String {
        let credentials = user.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed)! + (password.map {
            ":" + $0.addingPercentEncoding(withAllowedCharacters: .urlPasswordAllowed)!
        } ?? "")
        let query = tls == .prefer ? [] : ["sslmode=\(tls.rawValue)"]
        switch endpoint {
        case .tcp(let host, let port):
            return "postgres://\(credentials)@\(host):\(port)/\(database)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        case .socket(let directory, let port):
            return "postgres://\(credentials)@:\(port)/\(database)?" + (["host=\(directory)"] + query).joined(separator: "&")
        }
    }

    /// The URL without its password, for messages and logs.
    public var description: String {
        var text = "postgres://\(user)@"
        switch endpoint {
        case .tcp(let host, let port): text += "\(host):\(port)/\(database)"
        case .socket(let directory, let port): text += ":\(port)/\(database)?host=\(directory)"
        }
        return text
    }

    /// A URL as given, with any password replaced, for an error message.
    static func redacted(_ text: String) -> String {
        guard var url = URLComponents(string: text), url.password != nil else { return text }
        url.password = "***"
        return url.string ?? text
    }
}
