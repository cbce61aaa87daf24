import Foundation
/// Identifiers and calendar dates, validated once at the edge so the rest of the code can trust them.

/// Rules for the short identifiers used in record keys (store ids, commodity ids, replica ids).
public enum Identifier {
    /// Letters, digits, `_`, `-` and `.`, 1 to 64 characters: safe inside a `/`-separated key and a URL.
    public static func validate(_ value: String, field: String) throws(DomainError) {
        guard !value.isEmpty, value.utf8.count <= 64 else {
            throw DomainError(.invalidIdentifier, field: field, "must be 1 to 64 characters, got \(value.utf8.count)")
        }
        for byte in value.utf8 {
            let ok = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x5F || byte == 0x2D || byte == 0x2E
            if !ok {
                throw DomainError(
                    .invalidIdentifier, field: field,
                    "'\(value)' may hold only letters, digits, '_', '-' and '.'"
                )
            }
        }
        // '.' and '..' name a folder and its parent in a path or a URL: never an identifier.
        guard value.utf8.contains(where: { $0 != 0x2E }) else {
            throw DomainError(.invalidIdentifier, field: field, "'\(value)' is made of dots only")
        }
    }
}

/// A day on the proleptic Gregorian calendar, written `YYYY-MM-DD`.
public struct CalendarDate: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public let year: Int
    public let month: Int
    public let day: Int

    public init(year: Int, month: Int, day: Int) throws(DomainError) {
        guard (1900...2999).contains(year) else {
            throw DomainError(.invalidDate, field: "date", "year \(year) is out of range")
        }
        guard (1...12).contains(month) else {
            throw DomainError(.invalidDate, field: "date", "month \(month) does not exist")
        }
        guard (1...CalendarDate.daysIn(month: month, year: year)).contains(day) else {
            throw DomainError(
                .invalidDate, field: "date",
                String(format: "%04d-%02d-%02d is not a real calendar date", year, month, day)
            )
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses exactly `YYYY-MM-DD`; anything else, or a day that does not exist (2020-02-30), is refused.
    public init(_ text: String, field: String = "date") throws(DomainError) {
        let bytes = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                let b = bytes[i]
                guard b >= 0x30 && b <= 0x39 else { return nil }
                value = value * 10 + Int(b - 0x30)
            }
            return value
        }
        guard bytes.count == 10, bytes[4] == 0x2D, bytes[7] == 0x2D,
            let y = digits(0..<4), let m = digits(5..<7), let d = digits(8..<10)
        else {
            throw DomainError(.invalidDate, field: field, "'\(text)' is not a date of the form YYYY-MM-DD")
        }
        do {
            try self.init(year: y, month: m, day: d)
        } catch {
            throw DomainError(.invalidDate, field: field, error.message)
        }
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (negative before), for date arithmetic without Foundation calendars.
    public var dayNumber: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public init(dayNumber z0: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    public func adding(days: Int) -> CalendarDate { CalendarDate(dayNumber: dayNumber + days) }

    /// The date in UTC+8 (China Standard Time) at `unixMilliseconds`: the county's working day.
    public static func chinaDate(unixMilliseconds: Int64) -> CalendarDate {
        let shifted = unixMilliseconds + 8 * 3_600_000
        let days = shifted >= 0 ? shifted / 86_400_000 : (shifted - 86_399_999) / 86_400_000
        return CalendarDate(dayNumber: Int(days))
    }

    public var description: String {
        let y = String(year), m = month < 10 ? "0\(month)" : "\(month)", d = day < 10 ? "0\(day)" : "\(day)"
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-" + m + "-" + d
    }

    public static func < (a: CalendarDate, b: CalendarDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(text) } catch { throw error }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
