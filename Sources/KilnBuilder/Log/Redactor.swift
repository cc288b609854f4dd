import KilnSpec

/// Replaces every known secret value in a line with ``SecretReference/mask``.
///
/// Longer values are replaced first, so a secret that contains another is masked whole.
struct Redactor: Sendable {
    private(set) var secrets: [String] = []

    mutating func add(_ value: String) {
        guard !value.isEmpty, !secrets.contains(value) else { return }
        secrets.append(value)
        secrets.sort { $0.utf8.count > $1.utf8.count }
    }

    func redact(_ line: String) -> String {
        var out = line
        for secret in secrets where out.contains(secret) {
            out = out.replacingOccurrences(of: secret, with: SecretReference.mask)
        }
        return out
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
