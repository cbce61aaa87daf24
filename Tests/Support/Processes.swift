import BaogongAgent
import BaogongHub
import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The built executables, found beside the test bundle (`swift build` puts them in the same folder).
public enum Executables {
    public static let directory: URL = {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        // On Linux the test runner is `<bin>/BaogongPackageTests.xctest`; on macOS a bundle inside <bin>.
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("baogong-hub").path), url.path != "/" {
            url.deleteLastPathComponent()
        }
        return url
    }()
    public static var hub: String { directory.appendingPathComponent("baogong-hub").path }
    public static var agent: String { directory.appendingPathComponent("baogong-agent").path }
}

public struct CommandResult {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var killedBySignal: Bool
}

/// `run` on a thread of its own, for async tests that talk to a hub serving in the test process: a
/// command waited for on a thread of Swift's cooperative pool (two threads on a 2-core machine) can
/// leave that hub no thread to answer it with.
@discardableResult
public func runOffPool(_ executable: String, _ arguments: [String], timeout: TimeInterval = 120) async throws -> CommandResult {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try run(executable, arguments, timeout: timeout) }) }
    }
}

/// Runs a command to completion.
@discardableResult
public func run(
    _ executable: String, _ arguments: [String], timeout: TimeInterval = 120, input: String? = nil,
    environment: [String: String] = [:]
) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let stdin = Pipe()
    process.standardInput = input == nil ? FileHandle.nullDevice : stdin
    try process.run()
    if let input {
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try? stdin.fileHandleForWriting.close()
    }
    // Read while it runs so a full pipe never blocks the child.
    // (Threads, not the shared dispatch pool, which many blocking readers would starve.)
    let outData = LockedData(), errData = LockedData()
    let done = DispatchSemaphore(value: 0)
    for (pipe, sink) in [(out, outData), (err, errData)] {
        Thread.detachNewThread {
            sink.append(pipe.fileHandleForReading.readDataToEndOfFile())
            done.signal()
        }
    }
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(2_000) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    done.wait()
    done.wait()
    return CommandResult(
        status: process.terminationStatus, stdout: outData.string, stderr: errData.string,
        killedBySignal: process.terminationReason == .uncaughtSignal
    )
}

public final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    public init() {}
    public func append(_ d: Data) { lock.withLock { data.append(d) } }
    public var string: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
}

/// A scratch folder removed at the end of a test.
public final class Scratch: Sendable {
    public let url: URL
    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("baogong-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A free TCP port on the loopback interface.
public func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
    }
    _ = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// Runs a process with its wall clock moved by an offset (libfaketime, Debian's `faketime`), so a
/// test can make records and syncs that happened "500 days ago" with the real executables. The
/// monotonic clock is left alone: timers and timeouts run at their real pace.
public enum FakeClock {
    public static let path = "/usr/bin/faketime"

    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// `offset` in faketime's form, e.g. `-500d`.
    public static func launcher(_ offset: String) -> [String] { [path, "-f", offset] }

    public static func run(_ offset: String, _ executable: String, _ arguments: [String]) throws -> CommandResult {
        try BaogongTestSupport.run(path, ["-f", offset, executable] + arguments, environment: ["FAKETIME_DONT_FAKE_MONOTONIC": "1"])
    }
}

/// `baogong-hub serve` as a child process on a loopback port.
public final class HubProcess {
    public let database: String
    public let port: Int
    /// A command the hub runs under, e.g. `FakeClock.launcher(...)`; empty to run it directly.
    public var launcher: [String] = []
    /// More `serve` options, e.g. `--upstream-interval 0.2`.
    public var extraArguments: [String] = []
    private(set) var process: Process?
    public var url: String { "http://127.0.0.1:\(port)" }

    public init(database: String, port: Int = freePort()) {
        self.database = database
        self.port = port
    }

    public func start() throws {
        let p = Process()
        // A SQLite file, or a PostgreSQL database given by its URL.
        let location = database.hasPrefix("postgres") ? ["--database", database] : ["--db", database]
        let arguments = ["serve"] + location + ["--host", "127.0.0.1", "--port", String(port), "--log-level", "error"]
            + extraArguments
        if let wrapper = launcher.first {
            p.executableURL = URL(fileURLWithPath: wrapper)
            p.arguments = Array(launcher.dropFirst()) + [Executables.hub] + arguments
        } else {
            p.executableURL = URL(fileURLWithPath: Executables.hub)
            p.arguments = arguments
        }
        if !launcher.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(["FAKETIME_DONT_FAKE_MONOTONIC": "1"]) { $1 }
        }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        for _ in 0..<300 {
            if (try? httpGet("\(url)/healthz").status) == 200 { return }
            usleep(20_000)
        }
        throw TestFailure("the hub did not answer /healthz on port \(port)")
    }

    /// SIGKILL: no chance to finish anything.
    public func kill9() {
        guard let p = process else { return }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        process = nil
    }

    public func stop() {
        guard let p = process else { return }
        // A launcher (faketime) forks the hub and does not pass signals on: stop the hub itself first.
        if !launcher.isEmpty {
            let pid = p.processIdentifier
            let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
            for child in children.split(separator: " ").compactMap({ pid_t($0) }) {
                kill(child, SIGTERM)
                for _ in 0..<500 where kill(child, 0) == 0 { usleep(20_000) }
            }
        }
        p.terminate()
        p.waitUntilExit()
        process = nil
    }

    deinit { kill9() }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A blocking HTTP request for tests.
public func httpGet(_ url: String, token: String? = nil) throws -> (status: Int, body: Data) {
    var request = URLRequest(url: URL(string: url)!)
    request.timeoutInterval = 10
    if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
    let box = LockedResult()
    let semaphore = DispatchSemaphore(value: 0)
    URLSession.shared.dataTask(with: request) { data, response, error in
        box.set((response as? HTTPURLResponse)?.statusCode ?? 0, data ?? Data(), error)
        semaphore.signal()
    }.resume()
    semaphore.wait()
    let (status, data, error) = box.get()
    if let error { throw error }
    return (status, data)
}

public final class LockedResult: @unchecked Sendable {
    private let lock = NSLock()
    private var value: (Int, Data, (any Error)?) = (0, Data(), nil)
    public func set(_ s: Int, _ d: Data, _ e: (any Error)?) { lock.withLock { value = (s, d, e) } }
    public func get() -> (Int, Data, (any Error)?) { lock.withLock { value } }
}

/// Enrols a store with the CLI and returns its token.
public func enrol(_ hubDB: String, _ id: String, name: String? = nil) throws -> String {
    let location = hubDB.hasPrefix("postgres") ? ["--database", hubDB] : ["--db", hubDB]
    let r = try run(Executables.hub, ["stores", "add"] + location + ["--id", id, "--name", name ?? "Store \(id)", "--json"])
    guard r.status == 0, let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
        let token = object["token"] as? String
    else { throw TestFailure("stores add failed: \(r.stderr)") }
    return token
}

public func agentCLI(_ arguments: [String]) throws -> CommandResult { try run(Executables.agent, arguments) }

/// Starts `baogong-agent` with `arguments` in the background, its output discarded.
public func spawnAgent(_ arguments: [String], start: Bool = true) throws -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: Executables.agent)
    p.arguments = arguments
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    if start { try p.run() }
    return p
}

/// A scratch folder, a hub database in it with `store` enrolled, the store's token, and a hub process
/// for that database (not started).
public func enrolledHub(_ store: String = "S01") throws -> (dir: Scratch, hubDB: String, token: String, hub: HubProcess) {
    let dir = try Scratch()
    let hubDB = dir.path("hub.sqlite")
    let token = try enrol(hubDB, store)
    return (dir, hubDB, token, HubProcess(database: hubDB))
}

/// The common set-up: a scratch folder, a hub database with store S01 enrolled, a hub process (not
/// started) and one agent database initialised for S01.
public struct OneStore {
    public let dir: Scratch
    public let hubDB: String
    public let token: String
    public let hub: HubProcess
    public let agent: String

    public init() throws {
        (dir, hubDB, token, hub) = try enrolledHub()
        agent = dir.path("a.sqlite")
        let initialised = try agentCLI(["init", "--db", agent, "--store", "S01", "--hub", hub.url, "--token", token])
        guard initialised.status == 0 else { throw TestFailure("init failed: \(initialised.stderr)") }
    }
}

/// A stock CSV of `count` rows for `days` consecutive days from 2020-01-24 over the catalog.
public func stockCSV(count: Int, salt: Int = 0) -> String {
    let commodities = Commodity.defaults.map(\.id)
    var lines = ["date,commodity,on_hand,sold,received,price,source,restock_days,transport_days,channel,note"]
    let start = try! CalendarDate("2020-01-24")
    for i in 0..<count {
        let date = start.adding(days: i / commodities.count)
        lines.append("\(date),\(commodities[i % commodities.count]),\(1000 + (i + salt) % 97),\((i + salt) % 41),,5.\(20 + i % 10),farm,2,1,,")
    }
    return lines.joined(separator: "\n") + "\n"
}

/// Everything a replica holds of the store-written record sets, as CRDT states.
public func storeSets(_ store: RecordStore, storeID: String? = nil) throws -> [String: RecordSetState] {
    try store.writer.read { db in
        var sets = [String: RecordSetState]()
        for name in ["stock", "checkpoint", "incident"] {
            var state = try RecordStore.allStates(set: name, in: db)
            if let storeID { state.records = state.records.filter { $0.key.hasPrefix(storeID + "/") } }
            sets[name] = state
        }
        return sets
    }
}

/// The union (CRDT merge) of several replicas' record sets.
public func union(_ replicas: [[String: RecordSetState]]) -> [String: RecordSetState] {
    replicas.reduce(into: [:]) { result, sets in
        for (name, state) in sets { result[name] = (result[name] ?? RecordSetState()).merging(state) }
    }
}
