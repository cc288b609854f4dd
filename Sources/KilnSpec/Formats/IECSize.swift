/// A size in IEC binary units, as the VM builder service takes memory: `1gib`, `1024mib`, `1048576kib`.
///
/// Decimal units (`1gb`) are refused: `gb` means 10⁹ bytes to some tools and 2³⁰ to others, and a VM's memory or a
/// disk's size must not depend on which reading a tool picks.
public struct IECSize: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var bytes: UInt64

    public init(bytes: UInt64) { self.bytes = bytes }

    static let units: [(String, UInt64)] = [("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30), ("tib", 1 << 40)]

    /// Parses `12mib` (any letter case); the error says what to write instead.
    public static func parse(_ text: String) -> Result<IECSize, FormatError> {
        let lower = text.lowercased()
        let digits = lower.prefix { $0.isASCII && $0.isNumber }
        let unit = lower.dropFirst(digits.count)
        let hint = "use 1gib, 1024mib, 1048576kib …"
        guard !digits.isEmpty else {
            return .failure(FormatError("\(JSONText.quoted(text)) is not an IEC size (\(hint))"))
        }
        if let decimal = ["kb", "mb", "gb", "tb", "k", "m", "g", "t"].first(where: { $0 == unit }) {
            let iec = decimal.prefix(1) + "ib"
            return .failure(
                FormatError(
                    "\(JSONText.quoted(text)) is not an IEC size: \(decimal) is ambiguous (10ⁿ or 2ⁿ bytes); write \(digits)\(iec) (\(hint))"
                ))
        }
        guard let factor = units.first(where: { $0.0 == unit })?.1 else {
            return .failure(FormatError("\(JSONText.quoted(text)) is not an IEC size (\(hint))"))
        }
        guard let n = UInt64(digits), n.multipliedReportingOverflow(by: factor).overflow == false else {
            return .failure(FormatError("\(JSONText.quoted(text)) is too large"))
        }
        return .success(IECSize(bytes: n * factor))
    }

    /// The VM builder service's normalised form: `1.0gib`, `512.0mib`.
    public var normalized: String {
        for (unit, factor) in Self.units.reversed() where bytes >= factor {
            let value = Double(bytes) / Double(factor)
            return "\((value * 10).rounded() / 10)\(unit)"
        }
        return "\(bytes)b"
    }

    /// The shortest exact form: `1gib`, `1536mib`.
    public var description: String {
        for (unit, factor) in Self.units.reversed() where bytes >= factor && bytes % factor == 0 {
            return "\(bytes / factor)\(unit)"
        }
        return "\(bytes)b"
    }

    public static func < (a: IECSize, b: IECSize) -> Bool { a.bytes < b.bytes }
}

/// Why a formatted string was refused; the message says what to write instead.
public struct FormatError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
