/// Stops unpacking that grows too much: too many entries, too many bytes, or too many bytes out per byte in.
struct ExpansionGuard: Sendable, Hashable {
    var maxEntries: Int
    var maxBytes: Int64
    var maxRatio: Double
    /// The ratio is judged only once this many bytes are out: small archives of text compress very well.
    var ratioFloor: Int64

    private(set) var entries = 0
    private(set) var bytes: Int64 = 0

    init(maxEntries: Int, maxBytes: Int64, maxRatio: Double, ratioFloor: Int64) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
        self.maxRatio = maxRatio
        self.ratioFloor = ratioFloor
    }

    mutating func addEntry() -> String? {
        entries += 1
        return entries > maxEntries ? "the archive has more than \(maxEntries) entries" : nil
    }

    /// Counts `count` bytes written out, with `compressedIn` bytes of the archive read so far.
    mutating func addBytes(_ count: Int64, compressedIn: Int64) -> String? {
        bytes += count
        if bytes > maxBytes {
            return "the archive unpacks to more than \(maxBytes) bytes (the disk size or the unpack limit)"
        }
        if bytes >= ratioFloor, Double(bytes) > maxRatio * Double(max(compressedIn, 1)) {
            return
                "the archive expands more than \(Int(maxRatio))× (\(bytes) bytes out of \(compressedIn) read): a decompression bomb"
        }
        return nil
    }

    /// Checks a size an entry declares before any of its bytes are written.
    func admits(declaredSize: Int64) -> String? {
        declaredSize > maxBytes - bytes
            ? "an entry of \(declaredSize) bytes would take the archive past \(maxBytes) bytes (the disk size or the unpack limit)"
            : nil
    }
}
