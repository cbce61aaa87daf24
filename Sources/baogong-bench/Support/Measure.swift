import Foundation

/// Wall-clock timing and the small statistics the scenarios report.
enum Measure {
    /// Runs `body` once and returns its result with the elapsed wall time in seconds.
    static func time<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let start = ContinuousClock.now
        let value = try body()
        return (value, seconds(ContinuousClock.now - start))
    }

    static func time<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
        let start = ContinuousClock.now
        let value = try await body()
        return (value, seconds(ContinuousClock.now - start))
    }

    static func seconds(_ duration: Duration) -> Double {
        let c = duration.components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }

    /// The `p`-th percentile (0…100) by nearest rank; 0 for an empty sample.
    static func percentile(_ samples: [Double], _ p: Double) -> Double {
        guard !samples.isEmpty else { return 0 }
        let sorted = samples.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank - 1, 0), sorted.count - 1)]
    }

    static func median(_ samples: [Double]) -> Double { percentile(samples, 50) }

    /// Resident set size of a process in bytes (`VmRSS` from /proc), nil when it has gone.
    static func residentBytes(pid: Int32, field: String = "VmRSS") -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let number = line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
            return number.map { $0 * 1024 }
        }
        return nil
    }
}

/// A sample of latencies in seconds, summarised as the report wants them.
struct LatencySample: Sendable {
    var seconds: [Double] = []

    mutating func add(_ s: Double) { seconds.append(s) }

    var count: Int { seconds.count }
    var p50: Double { Measure.percentile(seconds, 50) }
    var p95: Double { Measure.percentile(seconds, 95) }
    var max: Double { seconds.max() ?? 0 }
    var mean: Double { seconds.isEmpty ? 0 : seconds.reduce(0, +) / Double(seconds.count) }
}

/// Formatting of figures for the table.
enum Format {
    static func count(_ n: Int) -> String {
        switch n {
        case 10_000_000...: return n % 1_000_000 == 0 ? "\(n / 1_000_000)M" : String(format: "%.1fM", Double(n) / 1e6)
        case 1_000_000...: return n % 1_000_000 == 0 ? "\(n / 1_000_000)M" : String(format: "%.2fM", Double(n) / 1e6)
        case 1_000...: return n % 1_000 == 0 ? "\(n / 1_000)K" : String(format: "%.1fK", Double(n) / 1e3)
        default: return "\(n)"
        }
    }

    static func number(_ v: Double, digits: Int = 0) -> String {
        let text = String(format: "%.\(digits)f", v)
        guard abs(v) >= 10_000, digits == 0 else { return text }
        // Thousands separators for big whole numbers.
        var out = ""
        for (i, c) in text.reversed().enumerated() {
            if i > 0 && i % 3 == 0 && c != "-" { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }

    static func milliseconds(_ seconds: Double) -> String {
        seconds < 0.01 ? String(format: "%.2f ms", seconds * 1000) : String(format: "%.1f ms", seconds * 1000)
    }

    static func bytes(_ n: Double) -> String {
        switch n {
        case 1_048_576...: return String(format: "%.1f MB", n / 1_048_576)
        case 10_240...: return String(format: "%.0f KB", n / 1024)
        default: return String(format: "%.0f B", n)
        }
    }
}
