import Foundation

/// The fields of `qemu-img info --output=json` that verification looks at.
struct QemuImageInfo: Sendable, Hashable, Decodable {
    struct FormatSpecific: Sendable, Hashable, Decodable {
        struct Data: Sendable, Hashable, Decodable {
            var createType: String?
            enum CodingKeys: String, CodingKey { case createType = "create-type" }
        }
        var data: Data?
    }

    var format: String
    var virtualSize: UInt64
    var backingFilename: String?
    var fullBackingFilename: String?
    var formatSpecific: FormatSpecific?

    enum CodingKeys: String, CodingKey {
        case format
        case virtualSize = "virtual-size"
        case backingFilename = "backing-filename"
        case fullBackingFilename = "full-backing-filename"
        case formatSpecific = "format-specific"
    }

    static func parse(_ json: String) -> QemuImageInfo? {
        try? JSONDecoder().decode(QemuImageInfo.self, from: Data(json.utf8))
    }

    /// Why this is not the image that was asked for, or nil when it is.
    func problem(expected format: ImageFormat, virtualSize expectedSize: UInt64) -> String? {
        if self.format != format.qemuFormat {
            return "qemu-img reads it as \(self.format), not \(format.qemuFormat)"
        }
        if let backing = backingFilename ?? fullBackingFilename {
            return "it names a backing file (\(backing)); outputs must be self-contained"
        }
        if virtualSize != expectedSize {
            return "its virtual size is \(virtualSize) bytes, not the \(expectedSize) the spec asks for"
        }
        if let expectedType = format.vmdkCreateType, let type = formatSpecific?.data?.createType, type != expectedType {
            return "it is a \(type) vmdk, not \(expectedType)"
        }
        return nil
    }
}
