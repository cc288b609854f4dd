import Foundation

/// The fleet's shared secret (`--fleet-token-file`): every host presents it to fetch another host's artifacts, and
/// every host's download endpoint requires it. Its text is never logged or shown: it prints as `************`.
public struct FleetToken: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public var description: String { "************" }

    public init(value: String) {
        self.value = value
    }

    /// The token in `path`: its first line, without surrounding white space.
    public static func read(path: String) throws(FleetTokenError) -> FleetToken {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .unreadable(path: path) }
        let line = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard !line.isEmpty else { throw .empty(path: path) }
        guard line.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "\0" }) else { throw .notPrintable(path: path) }
        return FleetToken(value: line)
    }
}

/// Why `--fleet-token-file` could not be used; names the file, never its contents.
public enum FleetTokenError: Error, Sendable, Hashable, CustomStringConvertible {
    case unreadable(path: String)
    case empty(path: String)
    case notPrintable(path: String)

    public var description: String {
        switch self {
        case .unreadable(let path): "cannot read --fleet-token-file \(path)"
        case .empty(let path): "--fleet-token-file \(path) holds no token (its first line is empty)"
        case .notPrintable(let path):
            "--fleet-token-file \(path): the token must be printable ASCII without spaces (it is sent as a Bearer token)"
        }
    }
}
