import BaogongHub
import Foundation
import GRDB

/// Runs the chosen scenarios one after another, then prints the table and writes the JSON.
struct BenchRunner {
    var options: Options

    /// Sizes of each scenario, full or `--quick`.
    struct Sizes {
        var mergeSizes: [Int]
        var mergeRepetitions: Int
        var syncRecords: Int
        var noopSyncs: Int
        var agents: Int
        var agentRounds: Int
        var scaling: [Int]
        var footprintRecords: Int
        var stockRecordRuns: Int
        var viewStores: Int
        var viewDays: Int
        var viewRepetitions: Int

        static let full = Sizes(
            mergeSizes: [10_000, 100_000, 1_000_000], mergeRepetitions: 3, syncRecords: 100_000, noopSyncs: 200,
            agents: 1_000, agentRounds: 3, scaling: [10_000, 100_000, 1_000_000, 10_000_000], footprintRecords: 100_000,
            stockRecordRuns: 20, viewStores: 1_000, viewDays: 90, viewRepetitions: 20
        )
        static let quick = Sizes(
            mergeSizes: [10_000, 100_000], mergeRepetitions: 1, syncRecords: 20_000, noopSyncs: 50,
            agents: 100, agentRounds: 2, scaling: [10_000, 100_000], footprintRecords: 20_000,
            stockRecordRuns: 5, viewStores: 100, viewDays: 30, viewRepetitions: 5
        )
    }

    func run() async throws {
        var sizes = options.quick ? Sizes.quick : Sizes.full
        if let stores = options.viewStores { sizes.viewStores = stores }
        if let max = options.scalingMax {
            sizes.scaling = [10_000, 100_000, 1_000_000, 3_000_000, 10_000_000, 30_000_000].filter { $0 <= max }
            if sizes.scaling.last != max { sizes.scaling.append(max) }
        }
        let directory = try workDirectory()
        defer { if !options.keep && options.workDirectory == nil { try? FileManager.default.removeItem(at: directory) } }
        if let n = options.profileMerge { return try MergeProfile(count: n, directory: directory).run() }
        let sqlite = try await DatabaseQueue().read { db in try String.fetchOne(db, sql: "SELECT sqlite_version()") } ?? "?"
        var report = Report(
            machine: .current(sqliteVersion: sqlite), arguments: Array(CommandLine.arguments.dropFirst()), quick: options.quick
        )
        Progress.note("baogong-bench: \(options.scenarios.joined(separator: ", ")) in \(directory.path)")
        let start = ContinuousClock.now
        for name in options.scenarios {
            let scenarioStart = ContinuousClock.now
            do {
                report.rows += try await run(name, sizes: sizes, directory: directory.appendingPathComponent(name))
            } catch {
                Progress.note("scenario \(name) failed: \(error)")
                report.rows.append(ResultRow(name, "FAILED: \(error)", 0, unit: "", display: "", met: false))
            }
            let took = "\(Int(Measure.seconds(ContinuousClock.now - scenarioStart))) s, load average \(MachineInfo.loadAverage()) at its end"
            report.scenarios[name] = took
            Progress.note("scenario \(name) took \(took)")
        }
        report.seconds = Measure.seconds(ContinuousClock.now - start)
        report.machine.loadAtEnd = MachineInfo.loadAverage()
        print("Baogong bench — \(report.machine.summary)")
        print("Run of \(Int(report.seconds)) s\(options.quick ? " (--quick)" : ""), \(report.machine.date); "
              + "load average \(report.machine.loadAtStart) at start, \(report.machine.loadAtEnd) at end\n")
        print(report.table())
        for name in options.scenarios { print("\(name): \(report.scenarios[name] ?? "")") }
        try report.write(json: options.jsonPath)
        print("JSON written to \(options.jsonPath)")
    }

    func run(_ name: String, sizes: Sizes, directory: URL) async throws -> [ResultRow] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        switch name {
        case "merge":
            return try await DurableMergeScenario(sizes: sizes.mergeSizes, directory: directory, repetitions: sizes.mergeRepetitions).run()
        case "sync":
            return try await EndToEndSyncScenario(records: sizes.syncRecords, directory: directory).run()
        case "noop":
            return try await NoOpSyncScenario(syncs: sizes.noopSyncs, directory: directory).run()
        case "agents":
            return try await ManyAgentsScenario(agents: sizes.agents, rounds: sizes.agentRounds, directory: directory).run()
        case "scaling":
            return try ScalingScenario(levels: sizes.scaling, directory: directory).run()
        case "footprint":
            return try await AgentFootprintScenario(
                records: sizes.footprintRecords, stockRecordRuns: sizes.stockRecordRuns, directory: directory,
                binDirectory: options.binDirectory
            ).run()
        case "postgres":
            guard let url = options.postgres else { throw BenchError("the postgres scenario needs --postgres URL") }
            return try await PostgresHubScenario(
                server: try PostgresLocation(url, field: "postgres"), mergeChanges: sizes.syncRecords, agents: sizes.agents,
                agentRounds: sizes.agentRounds, viewStores: sizes.viewStores, viewDays: sizes.viewDays,
                viewRepetitions: sizes.viewRepetitions, directory: directory,
                binaries: ReleaseBinaries(directory: options.binDirectory)
            ).run()
        case "views":
            return try await ViewsScenario(
                stores: sizes.viewStores, days: sizes.viewDays, repetitions: sizes.viewRepetitions, directory: directory
            ).run()
        case "catchup":
            return try await OfflineCatchUpScenario(days: 30, directory: directory, binDirectory: options.binDirectory).run()
        case "import":
            return try await CSVImportScenario(rows: sizes.syncRecords, directory: directory, binDirectory: options.binDirectory).run()
        default:
            throw BenchError("scenario '\(name)' is not written yet")
        }
    }

    func workDirectory() throws -> URL {
        let url = options.workDirectory.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("baogong-bench-\(getpid())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
