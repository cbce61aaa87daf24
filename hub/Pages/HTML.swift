/// Markup that is safe to send: every value interpolated into it is escaped unless it is `HTML` already.
///
/// Pages used to escape each piece of user-typed text by hand, and one forgotten call was an XSS hole.
/// Here escaping is the default: `"<td>\(store.name)</td>" as HTML` escapes the name, while a fragment
/// built the same way nests without being escaped twice. The literal segments of the string are written
/// by the programmer and go in verbatim; any other unescaped markup has to say so with `HTML(trusted:)`.
struct HTML: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringInterpolation {
    /// The markup, ready to send.
    let description: String

    /// Markup taken verbatim, for fixed CSS, JavaScript or SVG written in the source: never for text that
    /// comes from a request, the database or a store.
    init(trusted markup: String) {
        description = markup
    }

    /// A literal is written by the programmer: markup, taken as it is.
    init(stringLiteral literal: String) {
        description = literal
    }

    init(stringInterpolation: StringInterpolation) {
        description = stringInterpolation.markup
    }

    /// Escapes `text` for element content and for attribute values quoted with `"` or `'`.
    ///
    /// Works on Unicode scalars, not `Character`s: a `"` followed by a combining mark is one `Character`
    /// that is not equal to `"`, yet to a browser it is a quote that closes the attribute.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    struct StringInterpolation: StringInterpolationProtocol {
        fileprivate var markup = ""

        init(literalCapacity: Int, interpolationCount: Int) {
            markup.reserveCapacity(literalCapacity + 16 * interpolationCount)
        }

        /// The programmer's own text between interpolations: trusted.
        mutating func appendLiteral(_ literal: String) {
            markup += literal
        }

        /// A fragment that is already safe: inserted as it is, so that pages compose without double escaping.
        mutating func appendInterpolation(_ fragment: HTML) {
            markup += fragment.description
        }

        /// Text, numbers, dates, anything else: escaped.
        mutating func appendInterpolation(_ value: some CustomStringConvertible) {
            markup += HTML.escape(value.description)
        }
    }
}

extension Sequence where Element == HTML {
    /// The fragments one after another, with `separator` between them.
    func joined(separator: HTML = "") -> HTML {
        HTML(trusted: map(\.description).joined(separator: separator.description))
    }
}
