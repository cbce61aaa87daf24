import ArgumentParser
import BaogongHub
import BaogongModel
import Foundation
import BaogongDemo
import Logging

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the county demo: a real hub, one agent per store device, 24 Jan – 29 Feb 2020, then the board.",
        discussion: "Uses a fresh folder and the embedded SQLite database; nothing else to set up."
    )
    @Option(help: "Random seed: the same seed gives the same data.") var seed: UInt64 = 2020
    @Flag(help: "Stop after printing the board (for scripts and tests).") var exit = false
    @Option(help: "Port of the demo hub (0: any free port).") var port = 0
    @Option(help: "Folder for the databases (default: a new temporary folder).") var dir: String?
    @Flag(help: "A city hub with three county hubs (Yongxing and two neighbours) syncing upward; prints the city board.")
    var city = false

    func run() async throws {
        try await guarded {
            let directory = dir.map { URL(fileURLWithPath: $0) }
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("baogong-demo-\(UUID().uuidString.prefix(8))")
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("hub.sqlite").path)
                || FileManager.default.fileExists(atPath: directory.appendingPathComponent("city.sqlite").path)
            {
                throw DomainError(.exists, field: "dir", "\(directory.path) already holds a demo; choose another --dir")
            }
            var logger = Logger(label: "baogong.demo")
            logger.logLevel = .warning
            if city {
                try await CityDemoRunner(seed: seed, directory: directory, port: port, exitAfterPrinting: exit, logger: logger).run()
            } else {
                try await DemoRunner(seed: seed, directory: directory, port: port, exitAfterPrinting: exit, logger: logger).run()
            }
        }
    }
}
