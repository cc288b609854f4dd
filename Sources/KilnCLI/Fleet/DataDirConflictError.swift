import KilnCatalog

/// A host that joins a fleet with the data dir path another live host already uses: refused at start, because the
/// fleet tells whose file a path is (an artifact to fetch, a log to ask for) by the data dir that holds it.
struct DataDirConflictError: Error, CustomStringConvertible {
    let host: String
    let dataDir: String
    let other: HostRecord

    var description: String {
        "host \(other.name) (\(other.address.isEmpty ? "no address yet" : other.address)) already uses the data dir \(dataDir): give each host of the fleet its own data dir path (for example \(dataDir)-\(host)), since the fleet tells whose file a path is by the data dir that holds it"
    }
}
