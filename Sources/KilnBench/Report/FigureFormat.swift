import Foundation

/// How figures are written, the same in a subcommand's printout and in BENCHMARKS.md.
enum FigureFormat {
    /// Three significant digits or so, whole numbers grouped by thousands: "0.031", "4.72", "22.1", "605", "1,796".
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "—" }
        let magnitude = abs(value)
        if magnitude >= 1000 {
            let digits = String(Int(magnitude.rounded()))
            var grouped = ""
            for (index, digit) in digits.enumerated() {
                if index > 0, (digits.count - index) % 3 == 0 { grouped += "," }
                grouped.append(digit)
            }
            return (value < 0 ? "-" : "") + grouped
        }
        let decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 0.1 || magnitude == 0 ? 2 : 3
        return String(format: "%.\(decimals)f", value)
    }

    /// A target's bound as an issue writes it: "5", "0.9", "3,000".
    static func bound(_ value: Double) -> String {
        guard value == value.rounded(), abs(value) < 1e15 else { return String(value) }
        return abs(value) >= 1000 ? number(value) : String(Int(value))
    }

    static func value(_ value: Double, _ unit: Figure.Unit) -> String {
        unit == .percent ? number(value) + "%" : number(value) + " " + unit.rawValue
    }

    static func ratio(_ ratio: Double?) -> String {
        ratio.map { number($0) + "×" } ?? "—"
    }

    static func met(_ met: Bool?) -> String {
        switch met {
        case true?: "met"
        case false?: "NOT met"
        case nil: "—"
        }
    }

    /// The plain-text lines a subcommand prints at its end: one figure a line.
    static func lines(_ figures: [Figure]) -> [String] {
        figures.map { figure in
            var line = "\(figure.name): kiln \(value(figure.kiln, figure.unit))"
            line += figure.runs > 1 ? " (median of \(figure.runs))" : ""
            if let reference = figure.reference {
                line += " | \(reference.name): \(value(reference.value, figure.unit)) | \(ratio(figure.ratio))"
            }
            if let target = figure.target {
                line += " | target \(target.text(unit: figure.unit)): \(met(figure.met))"
            }
            if let note = figure.note { line += " | \(note)" }
            return line
        }
    }

    /// Prints `figures` as `lines` does, after a blank line.
    static func print(_ figures: [Figure]) {
        Swift.print("")
        for line in lines(figures) { Swift.print(line) }
    }
}
