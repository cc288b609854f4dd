import Foundation
import KilnReconciler

/// How the dashboard writes numbers, sizes, times and commits for people. Pure: the same value always gives the same
/// text, so a page is a function of the snapshot alone and can be cached for its generation.
enum DisplayText {
    /// Bytes in IEC units with one decimal below 10 (`20 MiB`, `1.5 GiB`).
    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(max(0, count))
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(Int(value)) B" }
        let text = value < 10 && value != value.rounded() ? String(format: "%.1f", value) : String(Int(value.rounded()))
        return "\(text) \(units[unit])"
    }

    /// A span of seconds, to the two largest units (`57 s`, `1 min 35 s`, `2 h 5 min`).
    static func duration(_ seconds: Double) -> String {
        let total = max(0, Int(seconds.rounded()))
        let (h, m, s) = (total / 3600, total % 3600 / 60, total % 60)
        if h > 0 { return m > 0 ? "\(h) h \(m) min" : "\(h) h" }
        if m > 0 { return s > 0 ? "\(m) min \(s) s" : "\(m) min" }
        return "\(s) s"
    }

    /// A UTC time people read at a glance (`2026-01-01 00:00 UTC`); the page's script turns it into local, relative
    /// time, from the machine-readable form in ``iso``.
    static func time(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(
            format: "%04d-%02d-%02d %02d:%02d UTC", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    static func iso(_ date: Date) -> String { StatusDocument.iso8601(date) }

    /// A commit's first 8 hex digits, as git and forges show them.
    static func commit(_ id: String) -> String { String(id.prefix(8)) }

    /// A sha256 shortened for a table cell; the whole digest goes in a title.
    static func digest(_ hex: String) -> String { hex.count > 12 ? String(hex.prefix(12)) + "…" : hex }
}

/// A time as the page shows it: text for people and an ISO-8601 form for the script and `<time datetime>`.
struct TimeText: Sendable, Hashable {
    let text: String
    let iso: String

    init(_ date: Date) {
        text = DisplayText.time(date)
        iso = DisplayText.iso(date)
    }

    static func optional(_ date: Date?) -> TimeText? { date.map(TimeText.init) }
}
