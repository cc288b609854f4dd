/// One measured figure of a benchmark: Kiln's median of several runs, the reference tool measured in the same run on
/// the same data, and the target it is held to. A subcommand's printout and `kiln-bench all`'s files are both made
/// from these, so a figure is measured once and reported the same everywhere.
struct Figure: Encodable, Equatable, Sendable {
    /// What a value counts. Ratios are Kiln over the reference in the figure's own unit, so for a rate (MiB/s, req/s)
    /// a ratio above 1 means Kiln is faster, and for a time or a size below 1.
    enum Unit: String, Encodable, Sendable {
        case milliseconds = "ms"
        case seconds = "s"
        case mebibytesPerSecond = "MiB/s"
        case requestsPerSecond = "req/s"
        case claimsPerSecond = "claims/s"
        case megabytes = "MB"
        case percent = "%"
    }

    /// The reference tool's figure, measured in the same run.
    struct Reference: Encodable, Equatable, Sendable {
        /// What ran, e.g. "git cat-file --batch of the same blobs".
        var name: String
        var value: Double
        var runs: Int
    }

    /// The benchmark (subcommand) that measured it, e.g. "load".
    var benchmark: String
    var name: String
    var unit: Unit
    /// Kiln's median.
    var kiln: Double
    /// Runs the median is taken over.
    var runs: Int
    var reference: Reference?
    var target: Target?
    var note: String?

    init(
        _ benchmark: String, _ name: String, unit: Unit, kiln: Double, runs: Int, reference: Reference? = nil,
        target: Target? = nil, note: String? = nil
    ) {
        self.benchmark = benchmark
        self.name = name
        self.unit = unit
        self.kiln = kiln
        self.runs = runs
        self.reference = reference
        self.target = target
        self.note = note
    }

    /// Kiln over the reference; nil without a reference or when either side is not a finite, positive figure.
    var ratio: Double? {
        guard let reference, reference.value > 0, reference.value.isFinite, kiln.isFinite else { return nil }
        return kiln / reference.value
    }

    /// Whether the target is met; nil without a target, or when what it bounds (the ratio) could not be computed.
    var met: Bool? { target?.isMet(value: kiln, ratio: ratio) }

    private enum CodingKeys: String, CodingKey {
        case benchmark, name, unit, kiln, runs, reference, ratio, target, targetText, met, note
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(benchmark, forKey: .benchmark)
        try container.encode(name, forKey: .name)
        try container.encode(unit, forKey: .unit)
        try container.encode(kiln.isFinite ? kiln : nil, forKey: .kiln)
        try container.encode(runs, forKey: .runs)
        try container.encodeIfPresent(reference, forKey: .reference)
        try container.encodeIfPresent(ratio, forKey: .ratio)
        try container.encodeIfPresent(target, forKey: .target)
        try container.encodeIfPresent(target?.text(unit: unit), forKey: .targetText)
        try container.encodeIfPresent(met, forKey: .met)
        try container.encodeIfPresent(note, forKey: .note)
    }
}

/// A bound a figure is held to, as the issue that set it says it: on the value itself ("no-op tick < 5 ms") or on its
/// ratio to the reference ("≥ 0.9× sha256sum").
struct Target: Encodable, Equatable, Sendable {
    enum Quantity: String, Encodable, Sendable { case value, ratio }
    enum Comparison: String, Encodable, Sendable { case atMost, atLeast }

    var quantity: Quantity
    var comparison: Comparison
    var bound: Double

    static func atMost(_ bound: Double) -> Target { Target(quantity: .value, comparison: .atMost, bound: bound) }
    static func atLeast(_ bound: Double) -> Target { Target(quantity: .value, comparison: .atLeast, bound: bound) }
    static func ratioAtMost(_ bound: Double) -> Target { Target(quantity: .ratio, comparison: .atMost, bound: bound) }
    static func ratioAtLeast(_ bound: Double) -> Target { Target(quantity: .ratio, comparison: .atLeast, bound: bound) }

    /// nil when the bounded quantity is missing or not a number (a ratio without a reference).
    func isMet(value: Double, ratio: Double?) -> Bool? {
        guard let measured = quantity == .value ? value : ratio, measured.isFinite else { return nil }
        switch comparison {
        case .atMost: return measured <= bound
        case .atLeast: return measured >= bound
        }
    }

    /// "≤ 50 ms", "≥ 0.9×", as the issues write them.
    func text(unit: Figure.Unit) -> String {
        let sign = comparison == .atMost ? "≤" : "≥"
        switch quantity {
        case .value: return "\(sign) \(FigureFormat.bound(bound))\(unit == .percent ? "" : " ")\(unit.rawValue)"
        case .ratio: return "\(sign) \(FigureFormat.bound(bound))×"
        }
    }
}
