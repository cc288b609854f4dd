import Foundation
import KilnSpec
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

    /// Most parameters one statement may carry (PostgreSQL's wire protocol counts them in 16 bits).
    static let maxParameters = 65_535
    /// Most rows one batched statement writes: enough that 10,000 objects take a handful of round trips, few enough
    /// that one statement stays a modest message.
    static let maxBatchRows = 1_000

    /// `records` inserted or updated by name, as few statements as the parameter limit allows:
    /// `INSERT … VALUES (…), (…) ON CONFLICT (name) DO UPDATE SET` every column but `id` and `name`. A record with an
    /// id keeps it, one without is numbered by the table (`DEFAULT`), and an existing row keeps its id: what
    /// ``PostgresCatalog/upsert(_:on:logger:)`` does one record at a time. One statement cannot update a row twice, so
    /// the last record of a name wins. With `updating`, an existing row changes only in the columns it allows.
    static func upsert<R: Encodable & NamedRecord>(
        _ records: [R], into table: String, updating: (String) -> Bool = { _ in true }
    ) throws -> [PostgresQuery] {
        return try insertAll(lastOfEach(records, by: \.name), into: table) { columns in
            let updates = columns.filter { $0 != "id" && $0 != "name" && updating($0) }.map {
                "\(quoted($0)) = EXCLUDED.\(quoted($0))"
            }
            return "ON CONFLICT (\(quoted("name"))) DO UPDATE SET \(updates.joined(separator: ", "))"
        }
    }

    /// `records` in as few multi-row `INSERT … VALUES (…), (…) <tail> RETURNING id` statements as the parameter limit
    /// allows; `tail` gets the column names (an `ON CONFLICT` clause). A NULL `id` is `DEFAULT`: the table numbers
    /// the row. The ids come back in the records' order, as PostgreSQL returns a VALUES list's rows (what
    /// ``PostgresCatalog/ids(_:on:logger:)`` reads).
    static func insertAll<R: Encodable>(
        _ records: [R], into table: String, tail: ([String]) -> String = { _ in "" }
    ) throws -> [PostgresQuery] {
        guard let first = records.first else { return [] }
        let names = try CatalogRecordEncoder.columns(of: first).map(\.0)
        let perStatement = max(1, min(maxBatchRows, maxParameters / names.count))
        let head = "INSERT INTO \(quoted(table)) (\(names.map(quoted).joined(separator: ", "))) VALUES "
        let end = " \(tail(names)) RETURNING id"
        var queries: [PostgresQuery] = []
        for start in stride(from: 0, to: records.count, by: perStatement) {
            let chunk = records[start..<min(start + perStatement, records.count)]
            var bindings = PostgresBindings(capacity: chunk.count * names.count)
            var rows: [String] = []
            rows.reserveCapacity(chunk.count)
            var parameter = 0
            for record in chunk {
                let columns = try CatalogRecordEncoder.columns(of: record)
                guard columns.map(\.0) == names else {
                    throw CatalogError.conflict("records of table \(table) do not all have the same columns")
                }
                // A NULL id is left to the table.
                let values = columns.map { $0.0 == "id" && $0.1 == .null ? nil : $0.1 }
                rows.append(row(values, bindings: &bindings, parameter: &parameter))
            }
            queries.append(PostgresQuery(unsafeSQL: head + rows.joined(separator: ", ") + end, binds: bindings))
        }
        return queries
    }

    /// `UPDATE table AS t SET … FROM (VALUES (…), (…)) AS v(columns) WHERE t.key = v.key`, one statement per batch:
    /// `rows` are the values of `columns` (the first is the key), `sets` the assignments from `v`. Typed values
    /// (an Int64 binds as bigint) keep their type; NULLs and text are text.
    static func update(
        _ table: String, columns: [String], rows: [[CatalogColumnValue]], sets: String
    ) -> [PostgresQuery] {
        let perStatement = max(1, min(maxBatchRows, maxParameters / max(1, columns.count)))
        let key = columns[0]
        var queries: [PostgresQuery] = []
        for start in stride(from: 0, to: rows.count, by: perStatement) {
            let chunk = rows[start..<min(start + perStatement, rows.count)]
            var bindings = PostgresBindings(capacity: chunk.count * columns.count)
            var values: [String] = []
            values.reserveCapacity(chunk.count)
            var parameter = 0
            for cells in chunk {
                values.append(row(cells.map { Optional($0) }, bindings: &bindings, parameter: &parameter))
            }
            let sql =
                "UPDATE \(quoted(table)) AS t SET \(sets) FROM (VALUES \(values.joined(separator: ", "))) AS v(\(columns.joined(separator: ", "))) WHERE t.\(key) = v.\(key)"
            queries.append(PostgresQuery(unsafeSQL: sql, binds: bindings))
        }
        return queries
    }

    /// Statuses saved with one `UPDATE … FROM (VALUES …)` per table and batch, rather than one statement each. An
    /// image's Deltacloud state is set where the update has one. The last update of an object wins.
    static func statuses(_ updates: [StatusUpdate]) -> [PostgresQuery] {
        let unique = lastOfEach(updates, by: \.key)
        func rows(_ kind: Kind) -> [[CatalogColumnValue]] {
            unique.filter { $0.key.kind == kind }.map { update in
                var row: [CatalogColumnValue] = [.string(update.key.name), .string(update.status.columnJSON)]
                if kind == .image { row.append(update.imageState.map { .string($0.rawValue) } ?? .null) }
                return row
            }
        }
        return update("image_build", columns: ["name", "status"], rows: rows(.imageBuild), sets: "status = v.status")
            + update(
                "image", columns: ["name", "status", "state"], rows: rows(.image),
                sets: "status = v.status, state = COALESCE(v.state, t.state)")
            + update("vm", columns: ["name", "status"], rows: rows(.virtualMachine), sets: "status = v.status")
    }

    /// One row of a VALUES list, `($n, $n+1, …)`, its values bound after `parameter`; a nil value is `DEFAULT`.
    private static func row(
        _ values: [CatalogColumnValue?], bindings: inout PostgresBindings, parameter: inout Int
    ) -> String {
        var cells: [String] = []
        cells.reserveCapacity(values.count)
        for value in values {
            guard let value else {
                cells.append("DEFAULT")
                continue
            }
            bind(value, to: &bindings)
            parameter += 1
            cells.append("$\(parameter)")
        }
        return "(" + cells.joined(separator: ", ") + ")"
    }

    /// `items` without the earlier ones of a key: one statement cannot write a row twice, and the last word wins.
    private static func lastOfEach<T, Key: Hashable>(_ items: [T], by key: (T) -> Key) -> [T] {
        var last: [Key: Int] = [:]
        for (i, item) in items.enumerated() { last[key(item)] = i }
        return items.enumerated().filter { last[key($0.element)] == $0.offset }.map(\.element)
    }
}
