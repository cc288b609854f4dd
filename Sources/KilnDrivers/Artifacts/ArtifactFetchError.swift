/// Why an Image's artifact could not be fetched from the host that holds it; each says what to do next. Never shows
/// the fleet token.
public struct ArtifactFetchError: Error, Sendable, Hashable, CustomStringConvertible {
    enum Code: Sendable, Hashable {
        case hashMismatch(expected: String, actual: String)
        case refused(status: Int)
        case notFound
        case failed(status: Int)
        case unreachable(reason: String)
        case gaveUp(attempts: Int, bytes: Int64, reason: String)
        case timedOut(seconds: Int64)
        case fileSystem(String)
        case badDigest(String)
    }

    let code: Code
    public let image: String
    public let owner: String

    init(_ code: Code, image: String, owner: String) {
        self.code = code
        self.image = image
        self.owner = owner
    }

    /// The artifact's bytes did not hash to the catalog's sha256 (it was refused, and the partial file deleted).
    public var isHashMismatch: Bool {
        if case .hashMismatch = code { true } else { false }
    }

    public var description: String {
        let from = "image \(image)'s artifact from host \(owner)"
        switch code {
        case .hashMismatch(let expected, let actual):
            return
                "\(from) has sha256 \(actual), but the catalog records \(expected): refused and deleted; the copy on \(owner) is damaged or was changed (rebuild the image, or check that host's disk)"
        case .refused(let status):
            return
                "\(from) was refused (HTTP \(status)): give every host the same --fleet-token-file, and restart the hosts that lack it"
        case .notFound:
            return "\(from): the host has no such file (HTTP 404); it may have been rebuilt or deleted there"
        case .failed(let status):
            return "\(from): the host answered HTTP \(status); see its log"
        case .unreachable(let reason):
            return "\(from): cannot reach the host (\(reason)); is it up, and is its address in the hosts table right?"
        case .gaveUp(let attempts, let bytes, let reason):
            return
                "\(from): the transfer broke off \(attempts) times without progress (\(bytes) bytes held, last: \(reason)); it resumes from there on the next try"
        case .timedOut(let seconds):
            return "\(from) did not finish within \(seconds) s; it resumes from the bytes held on the next try"
        case .fileSystem(let reason):
            return "\(from): \(reason)"
        case .badDigest(let text):
            return "image \(image): the catalog's sha256 \(text) is not 64 hex digits; the artifact cannot be checked"
        }
    }
}
