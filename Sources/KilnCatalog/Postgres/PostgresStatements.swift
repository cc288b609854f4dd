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
    /// ``PostgresCatalog/upsert(_:on:logger:)`` does one record at a time. Names must be unique in `records` (one
    /// statement cannot update a row twice); the last of a name wins.
    static func upsert<R: Encodable & NamedRecord>(_ records: [R], into table: String) throws -> [PostgresQuery] {
        var last: [String: Int] = [:]
        for (i, record) in records.enumerated() { last[record.name] = i }
        let unique = records.enumerated().filter { last[$0.element.name] == $0.offset }.map(\.element)
        guard let first = unique.first else { return [] }
        let names = try CatalogRecordEncoder.columns(of: first).map(\.0)
        let perStatement = max(1, min(maxBatchRows, maxParameters / names.count))
        let updates = names.filter { $0 != "id" && $0 != "name" }.map { "\(quoted($0)) = EXCLUDED.\(quoted($0))" }
        let head = "INSERT INTO \(quoted(table)) (\(names.map(quoted).joined(separator: ", "))) VALUES "
        let tail = " ON CONFLICT (\(quoted("name"))) DO UPDATE SET \(updates.joined(separator: ", "))"
        var queries: [PostgresQuery] = []
        for start in stride(from: 0, to: unique.count, by: perStatement) {
            let chunk = unique[start..<min(start + perStatement, unique.count)]
            var bindings = PostgresBindings(capacity: chunk.count * names.count)
            var rows: [String] = []
            rows.reserveCapacity(chunk.count)
            var parameter = 0
            for record in chunk {
                let columns = try CatalogRecordEncoder.columns(of: record)
                guard columns.map(\.0) == names else {
                    throw CatalogError.conflict("records of table \(table) do not all have the same columns")
                }
                var cells: [String] = []
                cells.reserveCapacity(columns.count)
                for (name, value) in columns {
                    if name == "id", value == .null {
                        cells.append("DEFAULT")
                        continue
                    }
                    bind(value, to: &bindings)
                    parameter += 1
                    cells.append("$\(parameter)")
                }
                rows.append("(" + cells.joined(separator: ", ") + ")")
            }
            queries.append(PostgresQuery(unsafeSQL: head + rows.joined(separator: ", ") + tail, binds: bindings))
        }
        return queries
    }

    /// Statuses saved with one `UPDATE … FROM (VALUES …)` per table and batch, rather than one statement each. An
    /// image's Deltacloud state is set where the update has one. The last update of an object wins.
    static func statuses(_ updates: [StatusUpdate]) -> [PostgresQuery] {
        var last: [ObjectKey: Int] = [:]
        for (i, update) in updates.enumerated() { last[update.key] = i }
        let unique = updates.enumerated().filter { last[$0.element.key] == $0.offset }.map(\.element)
        var queries: [PostgresQuery] = []
        for kind in [Kind.imageBuild, .image, .virtualMachine] {
            let ofKind = unique.filter { $0.key.kind == kind }
            let table: String
            let withState = kind == .image
            switch kind {
            case .imageBuild: table = "image_build"
            case .image: table = "image"
            case .virtualMachine: table = "vm"
            }
            for start in stride(from: 0, to: ofKind.count, by: maxBatchRows) {
                let chunk = ofKind[start..<min(start + maxBatchRows, ofKind.count)]
                var bindings = PostgresBindings(capacity: chunk.count * 3)
                var rows: [String] = []
                rows.reserveCapacity(chunk.count)
                for (i, update) in chunk.enumerated() {
                    bindings.append(update.key.name)
                    bindings.append(update.status.columnJSON)
                    if withState {
                        if let state = update.imageState {
                            bindings.append(state.rawValue)
                        } else {
                            bindings.appendNull()
                        }
                        rows.append("($\(3 * i + 1), $\(3 * i + 2), $\(3 * i + 3))")
                    } else {
                        rows.append("($\(2 * i + 1), $\(2 * i + 2))")
                    }
                }
                let values = rows.joined(separator: ", ")
                let sql =
                    withState
                    ? "UPDATE \(quoted(table)) AS t SET status = v.status, state = COALESCE(v.state, t.state) FROM (VALUES \(values)) AS v(name, status, state) WHERE t.name = v.name"
                    : "UPDATE \(quoted(table)) AS t SET status = v.status FROM (VALUES \(values)) AS v(name, status) WHERE t.name = v.name"
                queries.append(PostgresQuery(unsafeSQL: sql, binds: bindings))
            }
        }
        return queries
    }
}
