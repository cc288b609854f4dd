import Foundation

/// The executions of one build as `--watch` draws them: a pure state that takes updates and gives lines, tested
/// without a terminal. On a terminal the board is redrawn in place (bars, percent, ETA); elsewhere each change is one
/// plain line, so a log file or a pipe reads as a history.
struct ExecutionBoard: Sendable {
    /// How many executions a terminal shows, newest first.
    static let shown = 10
    static let barWidth = 24

    let build: String
    private(set) var executions: [Int: WatchedExecution] = [:]
    /// The plain line last printed for each execution, so that a line is printed only when it says something new.
    private var printed: [Int: String] = [:]

    init(build: String) { self.build = build }

    /// Replaces the board with a full read of the build's executions.
    mutating func reset(_ all: [WatchedExecution]) {
        executions = Dictionary(all.map { ($0.number, $0) }, uniquingKeysWith: { _, b in b })
    }

    mutating func apply(_ execution: WatchedExecution) {
        executions[execution.number] = execution
    }

    /// Plain lines for what changed since the last call, oldest execution first.
    mutating func changedLines() -> [String] {
        var lines: [String] = []
        for number in executions.keys.sorted() {
            let line = Self.plain(build, executions[number]!)
            if printed[number] != line {
                printed[number] = line
                lines.append(line)
            }
        }
        return lines
    }

    /// The terminal's block: a title, then one line per execution (newest first) cut to `width` columns.
    func terminalLines(width: Int, color: Bool) -> [String] {
        let newest = executions.keys.sorted(by: >).prefix(Self.shown)
        let active = executions.values.filter { !$0.finished }.count
        var lines = [
            "\(build): \(executions.count) execution\(executions.count == 1 ? "" : "s")\(active > 0 ? ", \(active) active" : "")"
        ]
        if newest.isEmpty { lines.append("  no execution yet") }
        for number in newest { lines.append(Self.fancy(executions[number]!, width: width, color: color)) }
        return lines
    }

    static func plain(_ build: String, _ e: WatchedExecution) -> String {
        var line = "\(build) #\(e.number) \(e.status)"
        switch e.status {
        case "running", "pending":
            line += " \(e.percent)%"
            if let eta = e.eta { line += " ETA \(duration(eta))" }
            if let message = e.message, !message.isEmpty { line += " - \(message)" }
        case "failed":
            if let error = e.error ?? e.message { line += ": \(error)" }
        default:
            if let took = took(e) { line += " in \(took)" }
        }
        return line
    }

    static func fancy(_ e: WatchedExecution, width: Int, color: Bool) -> String {
        let number = "#\(e.number)".padding(toLength: 5, withPad: " ", startingAt: 0)
        let status = e.status.padding(toLength: 9, withPad: " ", startingAt: 0)
        var tail: String
        switch e.status {
        case "running", "pending":
            tail = "\(bar(e.percent)) \(String(e.percent).leftPadded(3))%"
            if let eta = e.eta { tail += "  ETA \(duration(eta))" }
            if let message = e.message, !message.isEmpty { tail += "  \(message)" }
        case "failed":
            tail = e.error ?? e.message ?? ""
        default:
            tail = took(e).map { "took \($0)" } ?? ""
        }
        let plain = cut("  \(number)\(status)\(tail)", width)
        guard color else { return plain }
        let code =
            switch e.status {
            case "success": "32"
            case "failed": "31"
            case "running", "pending": "36"
            default: "2"
            }
        // Colour the status word only, after cutting, so escape codes never count against the width.
        return plain.replacingOccurrences(
            of: status, with: "\u{1B}[\(code)m\(status)\u{1B}[0m", options: [], range: plain.range(of: status))
    }

    static func bar(_ percent: Int) -> String {
        let filled = percent.clamped(0, 100) * barWidth / 100
        return "[" + String(repeating: "█", count: filled) + String(repeating: "░", count: barWidth - filled) + "]"
    }

    static func took(_ e: WatchedExecution) -> String? {
        guard let start = e.started, let end = e.ended else { return nil }
        return duration(Int(end.timeIntervalSince(start).rounded()))
    }

    static func duration(_ seconds: Int) -> String {
        let s = max(0, seconds)
        if s == 0 { return "<1 s" }
        let (h, m, r) = (s / 3600, s % 3600 / 60, s % 60)
        if h > 0 { return m > 0 ? "\(h) h \(m) min" : "\(h) h" }
        if m > 0 { return r > 0 ? "\(m) min \(r) s" : "\(m) min" }
        return "\(r) s"
    }

    static func cut(_ text: String, _ width: Int) -> String {
        guard width > 1, text.count > width else { return text }
        return String(text.prefix(width - 1)) + "…"
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
