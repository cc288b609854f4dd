import CGit2
import KilnSpec

/// A git object id (SHA-1) as a small hashable value, so that blob ids can key dictionaries without a hex string.
struct ObjectID: Hashable, Sendable, CustomStringConvertible {
    private var head: UInt64
    private var middle: UInt64
    private var tail: UInt32

    init(_ oid: git_oid) {
        (head, middle, tail) = withUnsafeBytes(of: oid.id) { bytes in
            (
                bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                bytes.loadUnaligned(fromByteOffset: 16, as: UInt32.self)
            )
        }
    }

    init(_ pointer: UnsafePointer<git_oid>) {
        self.init(pointer.pointee)
    }

    /// Parses a full 40-digit hex id.
    init?(hex: String) {
        guard hex.utf8.count == 40, hex.utf8.allSatisfy(\.isHexDigit) else { return nil }
        var oid = git_oid()
        guard git_oid_fromstrn(&oid, hex, 40) == 0 else { return nil }
        self.init(oid)
    }

    var oid: git_oid {
        var oid = git_oid()
        withUnsafeMutableBytes(of: &oid.id) { bytes in
            bytes.storeBytes(of: head, toByteOffset: 0, as: UInt64.self)
            bytes.storeBytes(of: middle, toByteOffset: 8, as: UInt64.self)
            bytes.storeBytes(of: tail, toByteOffset: 16, as: UInt32.self)
        }
        return oid
    }

    /// Calls `body` with a pointer to the id as libgit2 wants it.
    func withOID<R, E: Error>(_ body: (UnsafePointer<git_oid>) throws(E) -> R) throws(E) -> R {
        var oid = self.oid
        return try body(&oid)
    }

    var hex: String {
        withUnsafeBytes(of: oid.id) { Digest.hex($0) }
    }

    var description: String { hex }
}

extension UInt8 {
    var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x61...0x66).contains(self) || (0x41...0x46).contains(self)
    }
}
