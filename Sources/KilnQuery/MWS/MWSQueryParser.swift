import KilnSpec

/// Reads an MWS `query` parameter: MongoDB syntax on any field, dotted paths included. Equality, `$eq`, `$ne`, `$in`,
/// `$nin`, `$exists`, `$regex` (with `$options: "i"`), `$gt`, `$gte`, `$lt`, `$lte`, `$and`, `$or`. Pure: every error
/// says which part of the query is wrong, and the route answers it as 400.
public enum MWSQueryParser {
    public static let maxLength = 8192
    public static let maxListItems = 1000
    static let operators = ["$eq", "$ne", "$in", "$nin", "$exists", "$regex", "$options", "$gt", "$gte", "$lt", "$lte"]

    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public static func parse(_ text: String) throws(Failure) -> MWSQuery {
        guard text.utf8.count <= maxLength else { throw Failure(message: "is longer than \(maxLength) bytes") }
        let json: JSONValue
        do {
            json = try JSONReader.parse(text)
        } catch {
            throw Failure(message: "is not valid JSON: \(error)")
        }
        return try query(json, at: "the query")
    }

    static func query(_ json: JSONValue, at place: String) throws(Failure) -> MWSQuery {
        guard case .object(let fields) = json else {
            throw Failure(message: "\(place) must be a JSON object, not \(json.typeName)")
        }
        var parts: [MWSQuery] = []
        for (key, value) in fields {
            switch key {
            case "$and", "$or":
                guard case .array(let items) = value, !items.isEmpty else {
                    throw Failure(message: "\(key) needs a non-empty array of queries")
                }
                var subqueries: [MWSQuery] = []
                for (i, item) in items.enumerated() { subqueries.append(try query(item, at: "\(key)[\(i)]")) }
                parts.append(key == "$and" ? .all(subqueries) : .any(subqueries))
            case _ where key.hasPrefix("$"):
                throw Failure(message: "unknown top-level operator \(key) (use $and or $or, or a field name)")
            default:
                let path = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                guard !key.isEmpty, !path.contains("") else {
                    throw Failure(message: "the field name \"\(key)\" is not a valid path")
                }
                parts.append(.field(path, try conditions(value, field: key)))
            }
        }
        return parts.count == 1 ? parts[0] : .all(parts)
    }

    static func conditions(_ value: JSONValue, field: String) throws(Failure) -> [MWSQuery.Condition] {
        guard case .object(let fields) = value, let first = fields.first?.key, first.hasPrefix("$") else {
            return [.equal(value.specValue)]
        }
        var out: [MWSQuery.Condition] = []
        let options = fields.first { $0.key == "$options" }?.value
        for (op, operand) in fields {
            let place = "\(op) on \(field)"
            switch op {
            case "$eq": out.append(.equal(operand.specValue))
            case "$ne": out.append(.notEqual(operand.specValue))
            case "$in", "$nin":
                guard case .array(let items) = operand else {
                    throw Failure(message: "\(place) needs an array, not \(operand.typeName)")
                }
                guard items.count <= maxListItems else {
                    throw Failure(message: "\(place) has more than \(maxListItems) items")
                }
                let values = items.map(\.specValue)
                out.append(op == "$in" ? .oneOf(values) : .noneOf(values))
            case "$exists":
                switch operand {
                case .bool(let b): out.append(.exists(b))
                case .int(let i): out.append(.exists(i != 0))
                default: throw Failure(message: "\(place) needs true or false, not \(operand.typeName)")
                }
            case "$regex":
                guard case .string(let pattern) = operand else {
                    throw Failure(message: "\(place) needs a string pattern, not \(operand.typeName)")
                }
                var ignoringCase = false
                if let options {
                    guard case .string(let flags) = options, flags.allSatisfy({ $0 == "i" }) else {
                        throw Failure(message: "$options on \(field) may only be \"i\" (case-insensitive)")
                    }
                    ignoringCase = !flags.isEmpty
                }
                do {
                    out.append(.regex(try BoundedRegex(pattern, ignoringCase: ignoringCase)))
                } catch {
                    throw Failure(message: "\(place): \(error)")
                }
            case "$options":
                guard fields.contains(where: { $0.key == "$regex" }) else {
                    throw Failure(message: "$options on \(field) needs a $regex")
                }
            case "$gt", "$gte", "$lt", "$lte":
                switch operand {
                case .int, .double, .string, .bool: break
                default: throw Failure(message: "\(place) needs a number, string or boolean, not \(operand.typeName)")
                }
                let bound = operand.specValue
                out.append(
                    op.hasPrefix("$gt") ? .greater(bound, orEqual: op == "$gte") : .less(bound, orEqual: op == "$lte"))
            default:
                throw Failure(
                    message: "unknown operator \(op) on \(field) (supported: \(operators.joined(separator: ", ")))")
            }
        }
        return out
    }
}
