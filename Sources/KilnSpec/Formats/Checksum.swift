/// A checksum written `algo:hex`, with the algorithms the VM builder service accepts.
public struct Checksum: Sendable, Hashable, CustomStringConvertible {
    public enum Algorithm: String, Sendable, Hashable, CaseIterable {
        case md5, sha1, sha256, sha512

        /// Hex digits in a digest of this algorithm.
        public var hexLength: Int {
            switch self {
            case .md5: 32
            case .sha1: 40
            case .sha256: 64
            case .sha512: 128
            }
        }
    }

    public var algorithm: Algorithm
    /// Lower-case hex digits.
    public var hex: String

    public init(algorithm: Algorithm, hex: String) {
        self.algorithm = algorithm
        self.hex = hex.lowercased()
    }

    public var description: String { "\(algorithm.rawValue):\(hex)" }

    static let algorithmList = Algorithm.allCases.map(\.rawValue).joined(separator: ", ")

    public static func parse(_ text: String) -> Result<Checksum, FormatError> {
        guard let colon = text.firstIndex(of: ":") else {
            return .failure(
                FormatError(
                    "\(JSONText.quoted(text)) is not a checksum: write algo:hex, for example sha256:<64 hex digits>"))
        }
        let name = String(text[..<colon]).lowercased()
        guard let algorithm = Algorithm(rawValue: name) else {
            return .failure(FormatError("unknown checksum algorithm \(JSONText.quoted(name)) (use \(algorithmList))"))
        }
        return parseHex(String(text[text.index(after: colon)...]), algorithm: algorithm)
    }

    /// Checks bare hex digits against the algorithm named elsewhere (the VM builder's `checksum` + `checksumType`).
    public static func parseHex(_ hex: String, algorithm: Algorithm) -> Result<Checksum, FormatError> {
        guard hex.allSatisfy(\.isHexDigit), hex.allSatisfy(\.isASCII) else {
            return .failure(FormatError("\(algorithm.rawValue) checksum must be hex digits"))
        }
        guard hex.count == algorithm.hexLength else {
            return .failure(
                FormatError(
                    "\(algorithm.rawValue) checksum has \(hex.count) hex digits; \(algorithm.rawValue) has \(algorithm.hexLength)"
                ))
        }
        return .success(Checksum(algorithm: algorithm, hex: hex))
    }
}
