import Foundation

/// The commit a snapshot was read from.
public struct Revision: Sendable, Hashable, Codable {
    public var id: String
    public var author: String
    public var email: String
    public var message: String
    /// Seconds since 1970.
    public var time: Int64

    public init(id: String, author: String, email: String = "", message: String = "", time: Int64 = 0) {
        self.id = id
        self.author = author
        self.email = email
        self.message = message
        self.time = time
    }

    public var shortID: String { String(id.prefix(12)) }

    /// The first line of the message.
    public var summary: String { String(message.split(separator: "\n", maxSplits: 1).first ?? "") }

    /// The value of a `Key: value` trailer in the message's last paragraph, if present.
    public func trailer(_ key: String) -> String? {
        let paragraphs = message.components(separatedBy: "\n\n")
        guard let last = paragraphs.last, paragraphs.count > 1 else { return nil }
        for line in last.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces).lowercased() == key.lowercased() {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}
