import Foundation

/// Command-line options of `baogong-bench`.
struct Options: Sendable {
    static let allScenarios = ["merge", "sync", "noop", "agents", "scaling", "footprint", "views"]

    var scenarios = Options.allScenarios
    var quick = false
    var jsonPath = "bench-results/results.json"
    var workDirectory: String?
    var keep = false
    /// Largest hub size of the scaling scenario.
    var scalingMax: Int?
    /// Where `baogong-agent` and `baogong-hub` are (default: beside this executable).
    var binDirectory: String
    /// `--profile-merge N`: run only the merge path (for a profiler) and exit.
    var profileMerge: Int?

    static let usage = """
        usage: baogong-bench [--only LIST] [--quick] [--json PATH] [--work-dir DIR] [--keep]
                             [--scaling-max N] [--bin-dir DIR]

          --only LIST       comma-separated scenarios: \(allScenarios.joined(separator: ","))
          --quick           smaller sizes (a smoke run of a minute or two)
          --json PATH       where to write the results (default bench-results/results.json)
          --work-dir DIR    where the databases go (default: a new folder under the temp dir)
          --keep            keep the databases after the run
          --scaling-max N   largest hub for the scaling curve, e.g. 3M (default 10M, quick 100K)
          --bin-dir DIR     folder of baogong-agent and baogong-hub (default: beside this program)
          --profile-merge N only apply N changes through RecordStore.apply (run it under perf or callgrind)
        """

    struct UsageError: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ arguments: [String]) throws -> Options {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var options = Options(binDirectory: executable.deletingLastPathComponent().path)
        var rest = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let v = rest.popFirst() else { throw UsageError(description: "\(flag) needs a value") }
            return v
        }
        while let arg = rest.popFirst() {
            switch arg {
            case "--only":
                let names = try value(arg).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                for name in names where !allScenarios.contains(name) {
                    throw UsageError(description: "unknown scenario '\(name)'; known: \(allScenarios.joined(separator: ","))")
                }
                options.scenarios = allScenarios.filter(names.contains)
            case "--quick": options.quick = true
            case "--json": options.jsonPath = try value(arg)
            case "--work-dir": options.workDirectory = try value(arg)
            case "--keep": options.keep = true
            case "--scaling-max":
                let text = try value(arg)
                guard let n = parseCount(text) else { throw UsageError(description: "--scaling-max: '\(text)' is not a count") }
                options.scalingMax = n
            case "--bin-dir": options.binDirectory = try value(arg)
            case "--profile-merge":
                let text = try value(arg)
                guard let n = parseCount(text) else { throw UsageError(description: "--profile-merge: '\(text)' is not a count") }
                options.profileMerge = n
            case "-h", "--help":
                print(usage)
                exit(0)
            default:
                throw UsageError(description: "unknown argument '\(arg)'\n\(usage)")
            }
        }
        return options
    }

    /// `10000`, `10K`, `3M`.
    static func parseCount(_ text: String) -> Int? {
        let upper = text.uppercased()
        if upper.hasSuffix("K") { return Int(upper.dropLast()).map { $0 * 1_000 } }
        if upper.hasSuffix("M") { return Int(upper.dropLast()).map { $0 * 1_000_000 } }
        return Int(upper)
    }
}
