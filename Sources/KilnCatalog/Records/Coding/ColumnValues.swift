import Foundation
import KilnSpec

/// Specs are stored as canonical JSON text, read back with Kiln's own JSON parser.
extension SpecValue: JSONColumn {
    public init(columnJSON: String) throws {
        guard let value = SpecValue(json: columnJSON) else {
            throw CatalogCodingError(column: "spec", problem: "the stored text is not JSON")
        }
        self = value
    }

    public var columnJSON: String { canonicalJSON }
}

/// Labels are a JSON object of strings.
extension Dictionary: JSONColumn where Key == String, Value == String {
    public init(columnJSON: String) throws {
        self = (SpecValue(json: columnJSON)?.object ?? [:]).compactMapValues(\.string)
    }

    public var columnJSON: String { SpecValue.object(mapValues(SpecValue.string)).canonicalJSON }
}

/// A status is stored as canonical JSON; a damaged one reads as an empty status, which the next pass rewrites.
extension ObjectStatus: JSONColumn {
    public init(columnJSON: String) {
        guard let v = SpecValue(json: columnJSON) else {
            self.init()
            return
        }
        let conditions = (v["conditions"]?.list ?? []).compactMap { c -> Condition? in
            guard let type = c["type"]?.string.flatMap(Condition.ConditionType.init(rawValue:)) else { return nil }
            let time: Double =
                switch c["lastTransitionTime"] {
                case .double(let d)?: d
                case .int(let i)?: Double(i)
                default: 0
                }
            return Condition(
                type: type, status: c["status"]?.bool ?? false, reason: c["reason"]?.string ?? "",
                message: c["message"]?.string ?? "", lastTransitionTime: Date(timeIntervalSince1970: time))
        }
        self.init(
            conditions: conditions, observedRevision: v["observedRevision"]?.string,
            observedSpecHash: v["observedSpecHash"]?.string)
    }

    public var columnJSON: String {
        var fields: [String: SpecValue] = [
            "conditions": .list(
                conditions.map { c in
                    .object([
                        "type": .string(c.type.rawValue), "status": .bool(c.status), "reason": .string(c.reason),
                        "message": .string(c.message),
                        "lastTransitionTime": .double(c.lastTransitionTime.timeIntervalSince1970)
                    ])
                })
        ]
        if let r = observedRevision { fields["observedRevision"] = .string(r) }
        if let h = observedSpecHash { fields["observedSpecHash"] = .string(h) }
        return SpecValue.object(fields).canonicalJSON
    }
}

extension ExecutionRecord.Status: TextColumn {}
extension ImageRecord.State: TextColumn {}
extension VMRecord.Status: TextColumn {}
extension JournalEntry.State: TextColumn {}
extension DiskBoot: TextColumn {}
