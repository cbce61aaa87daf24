import ArgumentParser
import BaogongAgent
import Foundation

/// Where the store's token comes from. A token on the command line is seen by `ps` and kept in shell
/// history, so the docs recommend a file readable only by the clerk's account, standard input, or
/// the environment.
struct TokenOptions: ParsableArguments {
    @Option(help: "The store's token, or '-' to read it from standard input (prefer --token-file or BAOGONG_TOKEN).")
    var token: String?
    @Option(name: .customLong("token-file"), help: "A file holding the store's token (its first line).")
    var tokenFile: String?

    func validate() throws {
        if token != nil && tokenFile != nil { throw ValidationError("give --token or --token-file, not both") }
    }

    /// The token given by a flag, or nil when neither flag was given.
    func fromFlags() throws -> String? {
        if let tokenFile {
            guard let data = FileManager.default.contents(atPath: tokenFile) else {
                throw AgentError(.invalidInput, "token-file: cannot read \(tokenFile)")
            }
            return try Self.firstLine(String(decoding: data, as: UTF8.self), from: "token-file \(tokenFile)")
        }
        if token == "-" {
            guard let line = readLine(strippingNewline: true) else {
                throw AgentError(.invalidInput, "token: '-' reads it from standard input, which is empty")
            }
            return try Self.firstLine(line, from: "standard input")
        }
        return token
    }

    /// The token from the flags, else from BAOGONG_TOKEN.
    func resolved() throws -> String? {
        if let flagged = try fromFlags() { return flagged }
        guard let value = ProcessInfo.processInfo.environment["BAOGONG_TOKEN"] else { return nil }
        return try Self.firstLine(value, from: "BAOGONG_TOKEN")
    }

    static func firstLine(_ text: String, from source: String) throws -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !line.isEmpty else { throw AgentError(.invalidInput, "token: \(source) holds no token") }
        return line
    }
}
