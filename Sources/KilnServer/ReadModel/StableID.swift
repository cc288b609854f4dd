import Crypto

/// Ids derived from names, for API objects that have no row of their own (a Morpheus site, zone or script) and for
/// APIs whose ids have a fixed shape (MWS ids are 24 hex digits). The same name always gives the same id, on every
/// host and after every restart.
public enum StableID {
    /// A positive integer below 2³¹, so that clients that read ids into 32-bit integers still work.
    public static func integer(_ kind: String, _ name: String) -> Int {
        let digest = SHA256.hash(data: Array("\(kind):\(name)".utf8))
        let value = digest.prefix(4).reduce(0) { $0 << 8 | Int($1) }
        return value & 0x7fff_ffff == 0 ? 1 : value & 0x7fff_ffff
    }

    /// 24 lower-case hex digits, the shape of MWS (MongoDB ObjectId) ids.
    public static func mws(_ name: String) -> String {
        let digest = SHA256.hash(data: Array("mws-image:\(name)".utf8))
        return digest.prefix(12).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
