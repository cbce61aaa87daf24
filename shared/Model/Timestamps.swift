import Foundation

/// ISO 8601 text for instants shown to people and written in JSON (`2020-02-10T08:00:00Z`).
public enum Timestamps {
    public static func iso(_ date: Date) -> String { date.formatted(.iso8601) }

    public static func iso(milliseconds: UInt64) -> String {
        iso(Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    public static func parse(_ text: String) -> Date? { try? Date(text, strategy: .iso8601) }

    /// County time for people: `2020-02-29 22:00` (China Standard Time, UTC+8).
    public static func countyTime(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let day = CalendarDate.chinaDate(unixMilliseconds: ms)
        let minutes = Int(((ms + 8 * 3_600_000) % 86_400_000 + 86_400_000) % 86_400_000 / 60_000)
        let h = minutes / 60, m = minutes % 60
        return "\(day) \(h < 10 ? "0" : "")\(h):\(m < 10 ? "0" : "")\(m)"
    }

    /// Today's date in the county (UTC+8).
    public static func today(_ now: Date = Date()) -> CalendarDate {
        CalendarDate.chinaDate(unixMilliseconds: Int64(now.timeIntervalSince1970 * 1000))
    }

    /// A short random identifier (hex), for replica ids, incident ids and notice ids.
    public static func randomHex(_ bytes: Int = 4) -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in
            let b = UInt8.random(in: 0...255, using: &rng)
            return (b < 16 ? "0" : "") + String(b, radix: 16)
        }.joined()
    }
}
