import Foundation
import KilnCatalog
import KilnReconciler
import KilnSpec

/// Puts a document read from a server back in the order `kiln get` prints it from the data dir. JSON objects come
/// back with sorted keys; the order is taken from ``StatusDocument`` itself (rendering a blank record), so that the
/// two never drift apart. Keys it does not know go last, sorted.
enum DocumentOrder {
    static func keys(_ what: Get.What) -> [String] {
        let at = Date(timeIntervalSince1970: 0)
        let blank = SpecValue.object([:])
        switch what {
        case .builds:
            let record = BuildRecord(
                name: "", spec: blank, specHash: "", contentHash: "", inputsHash: "", runToken: nil,
                revision: "", file: "", line: 0, createdAt: at, updatedAt: at)
            return StatusDocument.build(record, state: .empty, notes: []).map(\.0)
        case .images:
            let record = ImageRecord(
                name: "", spec: blank, specHash: "", contentHash: "", revision: "", file: "", line: 0,
                createdAt: at, updatedAt: at)
            return StatusDocument.image(record, notes: []).map(\.0)
        case .vms:
            let record = VMRecord(
                name: "", uuid: "", spec: blank, specHash: "", contentHash: "", errorCode: "", revision: "",
                file: "", line: 0, createdAt: at, updatedAt: at)
            return StatusDocument.vm(record, notes: []).map(\.0)
        case .executions, .hosts:
            return []
        }
    }

    /// `value`'s fields in `kiln get`'s order, with the numbers the data dir keeps as fractions (an execution's
    /// `statusPercent` and `statusEta`) read back as such.
    static func ordered(_ value: SpecValue, as what: Get.What) -> [(String, SpecValue)] {
        guard case .object(let fields) = fractions(value) else { return [] }
        let known = keys(what)
        let rest = fields.keys.filter { !known.contains($0) }.sorted()
        return (known + rest).compactMap { key in fields[key].map { (key, $0) } }
    }

    /// Execution fields that the data dir stores as `Double`: JSON writes `40.0` as `40`, so they come back as integers.
    static let fractionFields: Set<String> = ["statusPercent", "statusEta"]

    static func fractions(_ value: SpecValue) -> SpecValue {
        switch value {
        case .object(let fields):
            var out: [String: SpecValue] = [:]
            for (key, field) in fields {
                if fractionFields.contains(key), case .int(let i) = field {
                    out[key] = .double(Double(i))
                } else {
                    out[key] = fractions(field)
                }
            }
            return .object(out)
        case .list(let items):
            return .list(items.map(fractions))
        default:
            return value
        }
    }
}
