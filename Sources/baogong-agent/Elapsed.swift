import BaogongModel
import Foundation

/// "3 min ago", "2 h", "5 days": how long ago an ISO 8601 instant was, as a clerk reads it.
enum Elapsed {
    static func since(_ iso: String, now: Date, suffix: String = " ago") -> String {
        guard let then = Timestamps.parse(iso) else { return iso }
        let seconds = max(0, now.timeIntervalSince(then))
        let text: String
        switch seconds {
        case ..<60: text = "\(Int(seconds)) s"
        case ..<3600: text = "\(Int(seconds / 60)) min"
        case ..<(2 * 86_400): text = "\(Int(seconds / 3600)) h"
        default: text = "\(Int(seconds / 86_400)) days"
        }
        return text + suffix
    }
}
