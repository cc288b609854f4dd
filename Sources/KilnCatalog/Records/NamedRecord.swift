import GRDB

/// A record of an object named in git (a build, an image, a VM): one row per name.
protocol NamedRecord: MutablePersistableRecord {
    var id: Int64? { get set }
    var name: String { get }
}

extension BuildRecord: NamedRecord {}
extension ImageRecord: NamedRecord {}
extension VMRecord: NamedRecord {}
