/// A JSON body of the sync protocol that cannot be read (or a value that cannot be written), with
/// where in the document the problem is: `changes[3].t: expected an integer`.
public struct WireFormatError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Where the problem is, e.g. `changes[3].f.on_hand`; empty for the document itself.
    public var path: String
    public var message: String

    public init(_ message: String, path: String = "") {
        self.message = message
        self.path = path
    }

    /// The same error one level further out: `component` is a key or an `[index]`.
    func inside(_ component: String) -> WireFormatError {
        let joined = path.isEmpty ? component : (path.hasPrefix("[") ? component + path : component + "." + path)
        return WireFormatError(message, path: joined)
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
