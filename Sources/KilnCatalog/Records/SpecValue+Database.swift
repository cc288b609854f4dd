import Foundation
import GRDB
import KilnSpec

/// Specs are stored as canonical JSON text. Without this, GRDB would read a spec's single-value coding as a plain
/// column value (and SQLite would turn the JSON text into `false`).
extension SpecValue: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { canonicalJSON.databaseValue }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> SpecValue? {
        guard let text = String.fromDatabaseValue(dbValue),
              let object = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else {
            return nil
        }
        return SpecValue(json: object)
    }
}

extension SpecValue {
    /// Reads what `JSONSerialization` gives (much faster than a Codable decode for the catalog's many specs).
    init?(json: Any) {
        switch json {
        case is NSNull: self = .null
        case let n as NSNumber:
            // Booleans come as NSNumber too: their Objective-C type is "c"; doubles are "d" or "f".
            switch String(cString: n.objCType) {
            case "c": self = .bool(n.boolValue)
            case "d", "f": self = .double(n.doubleValue)
            default: self = .int(n.intValue)
            }
        case let s as String: self = .string(s)
        case let a as [Any]:
            var items: [SpecValue] = []
            items.reserveCapacity(a.count)
            for item in a {
                guard let value = SpecValue(json: item) else { return nil }
                items.append(value)
            }
            self = .list(items)
        case let d as [String: Any]:
            var fields: [String: SpecValue] = [:]
            fields.reserveCapacity(d.count)
            for (key, item) in d {
                guard let value = SpecValue(json: item) else { return nil }
                fields[key] = value
            }
            self = .object(fields)
        default: return nil
        }
    }
}
