import Foundation
import GRDB
import KilnSpec

/// Specs are stored as canonical JSON text. Without this, GRDB would read a spec's single-value coding as a plain
/// column value (and SQLite would turn the JSON text into `false`).
extension SpecValue: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { canonicalJSON.databaseValue }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> SpecValue? {
        guard let text = String.fromDatabaseValue(dbValue) else { return nil }
        return SpecValue(json: text)
    }
}
