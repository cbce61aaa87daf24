/// A JSON body of the sync protocol that cannot be read (or a value that cannot be written), with
/// where in the document the problem is: `changes[3].t: expected an integer`.
public struct WireFormatError: Error, Hashable, Sendable, CustomStringConvertible {
    /// One step of the path: a key of an object or an index of an array.
    public enum Step: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    /// Where the problem is, outermost first; empty for the document itself.
    public var steps: [Step]
    public var message: String

    public init(_ message: String, steps: [Step] = []) {
        self.message = message
        self.steps = steps
    }

    /// The same error one level further out.
    func inside(key: String) -> WireFormatError { WireFormatError(message, steps: [.key(key)] + steps) }
    func inside(index: Int) -> WireFormatError { WireFormatError(message, steps: [.index(index)] + steps) }

    /// The path as text, e.g. `changes[3].f.on_hand`. A key longer than 64 characters is cut (a
    /// hostile body may hold a key of megabytes, and the path goes into the error answer).
    public var path: String {
        var text = ""
        for step in steps {
            switch step {
            case .index(let i): text += "[\(i)]"
            case .key(let key):
                if !text.isEmpty { text += "." }
                text += key.count > 64 ? key.prefix(64) + "…" : key
            }
        }
        return text
    }

    public var description: String { steps.isEmpty ? message : "\(path): \(message)" }
}
