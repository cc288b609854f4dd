import Foundation
import PostgresNIO

/// A PostgreSQL row as a catalog row: what lets ``CatalogRecordDecoder`` read records from PostgreSQL through their
/// one `Codable` declaration, exactly as it reads them from SQLite.
struct PostgresCatalogRow: CatalogRowReader {
    let row: PostgresRandomAccessRow

    init(_ row: PostgresRow) {
        self.row = row.makeRandomAccess()
    }

    func contains(_ column: String) -> Bool { row.contains(column) }

    func isNull(_ column: String) throws -> Bool {
        guard row.contains(column) else {
            throw CatalogCodingError(column: column, problem: "no such column in the row")
        }
        return row[column].bytes == nil
    }

    func value<T: PostgresDecodable>(_ type: T.Type, _ column: String) throws -> T {
        guard row.contains(column) else {
            throw CatalogCodingError(column: column, problem: "no such column in the row")
        }
        let cell = row[column]
        guard cell.bytes != nil else {
            throw CatalogCodingError(column: column, problem: "is NULL, \(T.self) expected")
        }
        do {
            return try cell.decode(T.self, context: .default)
        } catch {
            throw CatalogCodingError(column: column, problem: "a \(cell.dataType) cannot be read as \(T.self)")
        }
    }

    func optional<T: PostgresDecodable>(_ type: T.Type, _ column: String) throws -> T? {
        guard row.contains(column), row[column].bytes != nil else { return nil }
        return try value(T.self, column)
    }

    func string(_ column: String) throws -> String { try value(String.self, column) }
    func int64(_ column: String) throws -> Int64 { try value(Int64.self, column) }
    func double(_ column: String) throws -> Double { try value(Double.self, column) }
    func bool(_ column: String) throws -> Bool { try value(Bool.self, column) }
    func date(_ column: String) throws -> Date { try value(Date.self, column) }
    func optionalString(_ column: String) throws -> String? { try optional(String.self, column) }
    func optionalInt64(_ column: String) throws -> Int64? { try optional(Int64.self, column) }
    func optionalDouble(_ column: String) throws -> Double? { try optional(Double.self, column) }
    func optionalBool(_ column: String) throws -> Bool? { try optional(Bool.self, column) }
}
