import Crypto
import KilnSpec

/// An incremental digest of any algorithm a spec may name, fed chunk by chunk as bytes stream past.
struct StreamingHasher {
    private enum State {
        case md5(Insecure.MD5)
        case sha1(Insecure.SHA1)
        case sha256(SHA256)
        case sha512(SHA512)
    }

    private var state: State

    init(_ algorithm: Checksum.Algorithm) {
        state =
            switch algorithm {
            case .md5: .md5(Insecure.MD5())
            case .sha1: .sha1(Insecure.SHA1())
            case .sha256: .sha256(SHA256())
            case .sha512: .sha512(SHA512())
            }
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch state {
        case .md5(var h):
            h.update(bufferPointer: bytes)
            state = .md5(h)
        case .sha1(var h):
            h.update(bufferPointer: bytes)
            state = .sha1(h)
        case .sha256(var h):
            h.update(bufferPointer: bytes)
            state = .sha256(h)
        case .sha512(var h):
            h.update(bufferPointer: bytes)
            state = .sha512(h)
        }
    }

    /// Lower-case hex of the digest.
    func finalize() -> String {
        switch state {
        case .md5(let h): Digest.hex(h.finalize())
        case .sha1(let h): Digest.hex(h.finalize())
        case .sha256(let h): Digest.hex(h.finalize())
        case .sha512(let h): Digest.hex(h.finalize())
        }
    }
}
