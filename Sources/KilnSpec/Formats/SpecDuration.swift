/// A duration written as `500ms`, `90s`, `10m`, `1h30m`.
public struct SpecDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }
    public init(seconds: Int64) { self.milliseconds = seconds * 1000 }

    public var seconds: Double { Double(milliseconds) / 1000 }
    public var duration: Duration { .milliseconds(milliseconds) }

    public static func parse(_ text: String) -> Result<SpecDuration, FormatError> {
        let fail = FormatError("\(JSONText.quoted(text)) is not a duration (write 30s, 10m, 1h30m or 500ms)")
        var total: Int64 = 0
        var rest = Substring(text)
        guard !rest.isEmpty else { return .failure(fail) }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 9, let n = Int64(digits) else { return .failure(fail) }
            rest = rest.dropFirst(digits.count)
            let factor: Int64
            if rest.hasPrefix("ms") {
                factor = 1
                rest = rest.dropFirst(2)
            } else if rest.hasPrefix("s") {
                factor = 1000
                rest = rest.dropFirst()
            } else if rest.hasPrefix("m") {
                factor = 60_000
                rest = rest.dropFirst()
            } else if rest.hasPrefix("h") {
                factor = 3_600_000
                rest = rest.dropFirst()
            } else {
                return .failure(fail)
            }
            // Each part fits (at most 9 digits), but thousands of them can overflow: refuse, never trap.
            let (sum, overflow) = total.addingReportingOverflow(n * factor)
            guard !overflow else { return .failure(FormatError("\(JSONText.quoted(text)) is too large")) }
            total = sum
        }
        return .success(SpecDuration(milliseconds: total))
    }

    public var description: String {
        if milliseconds % 1000 != 0 { return "\(milliseconds)ms" }
        var s = milliseconds / 1000
        var out = ""
        if s >= 3600 {
            out += "\(s / 3600)h"
            s %= 3600
        }
        if s >= 60 {
            out += "\(s / 60)m"
            s %= 60
        }
        if s > 0 || out.isEmpty { out += "\(s)s" }
        return out
    }

    public static func < (a: SpecDuration, b: SpecDuration) -> Bool { a.milliseconds < b.milliseconds }
}
