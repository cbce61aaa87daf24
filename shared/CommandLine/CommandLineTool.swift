import ArgumentParser
import BaogongModel
import Foundation

/// How both executables start, end and print: one place for exit codes and output formats.
///
/// Exit codes: 0 done; 1 refused or failed (one line on standard error says why); 2 a usage error
/// (an unknown option, a value not among those accepted, a date not on the calendar), with one
/// line that names the option and lists what it accepts. Commands may add their own (the agent's 3).
public enum CommandLineTool {
    /// Parses the command line of `Root` and runs the command, with the exit codes above.
    public static func main<Root: AsyncParsableCommand>(_ root: Root.Type) async -> Never {
        do {
            var command = try Root.parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
            exit(0)
        } catch {
            if Root.exitCode(for: error) == .validationFailure {
                let name = Root.configuration.commandName ?? "command"
                let message = oneLine(Root.message(for: error))
                FileHandle.standardError.write(Data("\(name): \(message)\n".utf8))
                exit(2)
            }
            Root.exit(withError: error)
        }
    }

    /// The parser's message on one line: a list of accepted values ("following:\n  - trace\n  - debug")
    /// becomes "following: trace, debug".
    static func oneLine(_ message: String) -> String {
        let lines = message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let head = lines.first else { return message }
        let items = lines.dropFirst().map { $0.hasPrefix("- ") ? String($0.dropFirst(2)) : $0 }
        return items.isEmpty ? head : head + " " + items.joined(separator: ", ")
    }

    /// Writes one line for a refusal to standard error: `<tool>: <what is wrong>`.
    public static func refuse(_ tool: String, _ message: String) {
        FileHandle.standardError.write(Data("\(tool): \(message)\n".utf8))
    }

    /// Prints a value as pretty, key-sorted JSON (what every `--json` flag prints).
    public static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// Checks a `--date` value in `validate()`: a usage error naming the option when it is not a date.
    public static func validateDate(_ text: String?, option: String = "--date") throws {
        guard let text else { return }
        do throws(DomainError) {
            _ = try CalendarDate(text)
        } catch {
            throw ValidationError("\(option): \(error.message)")
        }
    }
}
