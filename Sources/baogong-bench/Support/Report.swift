import Foundation

/// One line of the results table.
struct ResultRow: Codable, Sendable {
    var scenario: String
    var metric: String
    var value: Double
    var unit: String
    /// The value as printed in the table.
    var display: String
    /// The issue's target for this figure, when it has one.
    var target: String?
    /// nil when the figure has no target.
    var met: Bool?
    var note: String?

    init(_ scenario: String, _ metric: String, _ value: Double, unit: String, display: String? = nil,
         target: String? = nil, met: Bool? = nil, note: String? = nil) {
        self.scenario = scenario
        self.metric = metric
        self.value = value
        self.unit = unit
        self.display = display ?? "\(Format.number(value, digits: value < 100 && value != value.rounded() ? 2 : 0)) \(unit)"
        self.target = target
        self.met = met
        self.note = note
    }

    var status: String {
        switch met {
        case true?: return "met"
        case false?: return "MISSED"
        case nil: return ""
        }
    }
}

/// What the machine is, for the record.
struct MachineInfo: Codable, Sendable {
    var cpuModel: String
    var cores: Int
    var memoryGiB: Double
    var kernel: String
    var swiftVersion: String
    var sqliteVersion: String
    var gitCommit: String
    var gitDirty: Bool
    var date: String
    /// /proc/loadavg at the start and the end of the run: the machine is shared, so this says how
    /// much else was running.
    var loadAtStart: String
    var loadAtEnd = ""

    static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "")
            .split(separator: " ").prefix(3).joined(separator: " ")
    }

    static func current(sqliteVersion: String) -> MachineInfo {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown"
        let swift = Shell.output("swift", ["--version"])?.split(separator: "\n").first.map(String.init) ?? "unknown"
        let commit = Shell.output("git", ["rev-parse", "--short", "HEAD"])?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
        let dirty = !(Shell.output("git", ["status", "--porcelain", "--untracked-files=no"]) ?? "").isEmpty
        return MachineInfo(
            cpuModel: model, cores: ProcessInfo.processInfo.activeProcessorCount,
            memoryGiB: (Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824 * 10).rounded() / 10,
            kernel: Shell.output("uname", ["-sr"])?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown",
            swiftVersion: swift, sqliteVersion: sqliteVersion, gitCommit: commit, gitDirty: dirty,
            date: Date().formatted(.iso8601), loadAtStart: loadAverage()
        )
    }

    var summary: String {
        "\(cpuModel), \(cores) cores, \(memoryGiB) GiB RAM, \(kernel); \(swiftVersion); SQLite \(sqliteVersion); "
            + "commit \(gitCommit)\(gitDirty ? " (with uncommitted changes)" : "")"
    }
}

/// The whole run: machine, options and every row, printed as a table and written as JSON.
struct Report: Codable, Sendable {
    var machine: MachineInfo
    var arguments: [String]
    var quick: Bool
    var rows: [ResultRow] = []
    var seconds: Double = 0
    /// Each scenario's wall time and the load average when it ended.
    var scenarios: [String: String] = [:]

    func table() -> String {
        let headers = ["scenario", "metric", "value", "target", "status"]
        let cells = rows.map { [$0.scenario, $0.metric, $0.display, $0.target ?? "", $0.status] }
        var widths = headers.map(\.count)
        for line in cells {
            for (i, cell) in line.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        func render(_ line: [String]) -> String {
            line.enumerated().map { i, cell in
                i == 2 ? String(repeating: " ", count: widths[i] - cell.count) + cell
                    : cell + String(repeating: " ", count: widths[i] - cell.count)
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var out = render(headers) + "\n" + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        var last = ""
        for (row, line) in zip(rows, cells) {
            var shown = line
            if row.scenario == last { shown[0] = "" }
            last = row.scenario
            out += render(shown) + "\n"
        }
        return out
    }

    func write(json path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: url)
    }
}
