import Foundation
import PostgresNIO

/// SQL written from a record's columns: the record's `Codable` declaration (through ``CatalogRecordEncoder``) is the
/// only list of columns. Identifiers are quoted, so camelCase columns keep their case and `commit` is a column.
enum PostgresStatements {
    static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func bind(_ value: CatalogColumnValue, to bindings: inout PostgresBindings) {
        switch value {
        case .null: bindings.appendNull()
        case .string(let s): bindings.append(s)
        case .int64(let i): bindings.append(i)
        case .double(let d): bindings.append(d)
        case .bool(let b): bindings.append(b)
        case .date(let d): bindings.append(d)
        }
    }

    /// `INSERT … RETURNING id`. A NULL `id` is left out, so the table's identity numbers the row.
    static func insert<R: Encodable>(_ record: R, into table: String, onConflict: String = "") throws -> PostgresQuery {
        let columns = try CatalogRecordEncoder.columns(of: record).filter { !($0.0 == "id" && $0.1 == .null) }
        var bindings = PostgresBindings(capacity: columns.count)
        for (_, value) in columns { bind(value, to: &bindings) }
        let names = columns.map { quoted($0.0) }.joined(separator: ", ")
        let placeholders = (1...columns.count).map { "$\($0)" }.joined(separator: ", ")
        let sql = "INSERT INTO \(quoted(table)) (\(names)) VALUES (\(placeholders)) \(onConflict) RETURNING id"
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    /// `UPDATE … WHERE id = … RETURNING id`: every column but the id.
    static func update<R: Encodable>(_ record: R, in table: String, id: Int64) throws -> PostgresQuery {
        let columns = try CatalogRecordEncoder.columns(of: record).filter { $0.0 != "id" }
        var bindings = PostgresBindings(capacity: columns.count + 1)
        for (_, value) in columns { bind(value, to: &bindings) }
        bindings.append(id)
        let sets = columns.enumerated().map { "\(quoted($0.element.0)) = $\($0.offset + 1)" }.joined(separator: ", ")
        let sql = "UPDATE \(quoted(table)) SET \(sets) WHERE id = $\(columns.count + 1) RETURNING id"
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }
}
