import Foundation

/// Replaces every known secret value in a line with ``SecretReference/mask``: build logs as they are written, and
/// again as the API serves them.
///
/// Longer values are replaced first, so a secret that contains another is masked whole. The log is written line by
/// line, so each line of a multi-line secret (a private key) is a value of its own.
public struct Redactor: Sendable {
    public private(set) var secrets: [String] = []

    public init(secrets: [String] = []) {
        for secret in secrets { add(secret) }
    }

    public mutating func add(_ value: String) {
        let lines = value.split(whereSeparator: \.isNewline).map(String.init)
        for candidate in [value] + (lines.count > 1 ? lines : [])
        where !candidate.isEmpty && !secrets.contains(candidate) {
            secrets.append(candidate)
        }
        secrets.sort { $0.utf8.count > $1.utf8.count }
    }

    public func redact(_ line: String) -> String {
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
