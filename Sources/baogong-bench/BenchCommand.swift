import BaogongModel
import BaogongHub
import ArgumentParser
import BaogongCommandLine
import Foundation

/// baogong-bench: the release-mode benchmark of docs/performance.md.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baogong-bench",
        abstract: "The release-mode benchmark of docs/performance.md."
    )

    @Option(
        help: ArgumentHelp("Comma-separated scenarios: \(Options.allScenarios.joined(separator: ",")).", valueName: "list"),
        transform: BenchCommand.scenarios
    )
    var only: [String]?
    @Flag(help: "Smaller sizes (a smoke run of a minute or two).")
    var quick = false
    @Option(help: ArgumentHelp("Where to write the results.", valueName: "path"))
    var json = "bench-results/results.json"
    @Option(help: ArgumentHelp("Where the databases go (default: a new folder under the temp dir).", valueName: "dir"))
    var workDir: String?
    @Flag(help: "Keep the databases after the run.")
    var keep = false
    @Option(help: ArgumentHelp("Largest hub for the scaling curve, e.g. 3M (default 10M, quick 100K).", valueName: "n"))
    var scalingMax: Count?
    @Option(help: ArgumentHelp("Folder of baogong-agent and baogong-hub (default: beside this program).", valueName: "dir"))
    var binDir: String?
    @Option(help: ArgumentHelp("Stores of the views scenario, e.g. 10K for a province (default 1,000; quick 100).", valueName: "n"))
    var viewStores: Count?
    @Option(help: ArgumentHelp(
        "Only apply N changes through RecordStore.apply (run it under perf or callgrind).", valueName: "n"
    ))
    var profileMerge: Count?
    @Option(help: ArgumentHelp(
        "A PostgreSQL server for the postgres scenario (it creates databases there), e.g. postgres://postgres@127.0.0.1:5432/postgres.",
        valueName: "url"
    ))
    var postgres: String?

    func validate() throws {
        if let postgres {
            do throws(DomainError) { _ = try PostgresLocation(postgres, field: "postgres") } catch {
                throw ValidationError("--postgres: \(error.message)")
            }
        }
        if only?.contains("postgres") == true && postgres == nil {
            throw ValidationError("the postgres scenario needs --postgres URL")
        }
    }

    /// A count written `10000`, `10K` or `3M`.
    struct Count: ExpressibleByArgument {
        var value: Int

        init?(argument: String) {
            let upper = argument.uppercased()
            let (digits, factor) = switch upper.last {
            case "K": (upper.dropLast(), 1_000)
            case "M": (upper.dropLast(), 1_000_000)
            default: (Substring(upper), 1)
            }
            guard let n = Int(digits) else { return nil }
            let (product, overflow) = n.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            value = product
        }
    }

    /// The `--only` list, in the order of `Options.allScenarios`.
    static func scenarios(_ text: String) throws -> [String] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for name in names where !Options.allScenarios.contains(name) {
            throw ValidationError("unknown scenario '\(name)'; known: \(Options.allScenarios.joined(separator: ","))")
        }
        return Options.allScenarios.filter(names.contains)
    }

    var options: Options {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        return Options(
            // The postgres scenario runs when a server is given (and, with --only, when it is listed).
            scenarios: only ?? Options.allScenarios.filter { $0 != "postgres" || postgres != nil }, quick: quick, jsonPath: json, workDirectory: workDir, keep: keep,
            scalingMax: scalingMax?.value, binDirectory: binDir ?? executable.deletingLastPathComponent().path,
            profileMerge: profileMerge?.value, viewStores: viewStores?.value, postgres: postgres
        )
    }

    /// The tools' shared start: a usage error exits 2 with one line (`CommandLineTool.main`).
    static func main() async { await CommandLineTool.main(Self.self) }

    func run() async throws {
        do {
            try await BenchRunner(options: options).run()
        } catch {
            FileHandle.standardError.write(Data("baogong-bench: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
