import ArgumentParser
import Foundation
import Synchronization

/// `--progress auto|json|none` for long commands (`sync`, `import stock`): on a terminal, one line
/// that updates in place (done of total, rate, time left); `json`, one JSON object per update
/// instead; `none`, or `auto` when standard error is not a terminal, nothing. Progress goes to
/// standard error, so standard output keeps only the command's result.
enum ProgressMode: String, ExpressibleByArgument, CaseIterable {
    case auto, json, none
}

struct ProgressOptions: ParsableArguments {
    @Option(help: "auto (a line on a terminal), json (JSON lines on standard error) or none.")
    var progress: ProgressMode = .auto

    func reporter(task: String, unit: String) -> ProgressLine {
        let mode: ProgressMode = progress == .auto ? (isatty(STDERR_FILENO) == 1 ? .auto : .none) : progress
        return ProgressLine(mode: mode, task: task, unit: unit)
    }
}

final class ProgressLine: Sendable {
    let mode: ProgressMode
    let task: String
    let unit: String
    private let start = ContinuousClock.now
    private let drawn = Mutex(false)

    init(mode: ProgressMode, task: String, unit: String) {
        self.mode = mode
        self.task = task
        self.unit = unit
    }

    func update(done: Int64, total: Int64) {
        guard mode != .none else { return }
        let elapsed = start.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let left = rate > 0 ? Double(max(total - done, 0)) / rate : nil
        let text: String
        if mode == .json {
            var fields = ["\"task\":\"\(task)\"", "\"done\":\(done)", "\"total\":\(total)", "\"rate\":\(Int(rate.rounded()))"]
            fields.append("\"seconds_left\":\(left.map { String(Int($0.rounded())) } ?? "null")")
            text = "{\(fields.joined(separator: ","))}\n"
        } else {
            let percent = total > 0 ? Int(Double(done) / Double(total) * 100) : 100
            let remaining = left.map { " · \(Int($0.rounded())) s left" } ?? ""
            text = "\r\(task): \(done)/\(total) \(unit) (\(percent)%) · \(Int(rate.rounded()))/s\(remaining)\u{1B}[K"
            drawn.withLock { $0 = true }
        }
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Ends the updating line, so that what follows starts on a line of its own. Only the first call
    /// after an update writes anything.
    func finish() {
        let wasDrawn = drawn.withLock { drawn in
            defer { drawn = false }
            return drawn
        }
        if wasDrawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
