import Foundation
import GRDB

/// SQLite rows through GRDB as catalog rows.
extension Row: CatalogRowReader {
    public func contains(_ column: String) -> Bool { hasColumn(column) }
    public func isNull(_ column: String) throws -> Bool {
        (try decode(DatabaseValue.self, forColumn: column)).isNull
    }
    public func string(_ column: String) throws -> String { try decode(String.self, forColumn: column) }
    public func int64(_ column: String) throws -> Int64 { try decode(Int64.self, forColumn: column) }
    public func double(_ column: String) throws -> Double { try decode(Double.self, forColumn: column) }
    public func bool(_ column: String) throws -> Bool { try decode(Bool.self, forColumn: column) }
    public func date(_ column: String) throws -> Date { try decode(Date.self, forColumn: column) }
    public func optionalString(_ column: String) throws -> String? { try decode(String?.self, forColumn: column) }
    public func optionalInt64(_ column: String) throws -> Int64? { try decode(Int64?.self, forColumn: column) }
    public func optionalDouble(_ column: String) throws -> Double? { try decode(Double?.self, forColumn: column) }
    public func optionalBool(_ column: String) throws -> Bool? { try decode(Bool?.self, forColumn: column) }
}

/// A record stored in the catalog through its `Codable` conformance alone: the coding keys are the columns. GRDB's
/// own Codable path would store nested values through Foundation's JSON coders, ten times slower per row; these
/// coders keep the catalog's hand-written speed with no hand-written column list.
public protocol CatalogRecord: Codable, FetchableRecord, EncodableRecord {}

extension FetchableRecord where Self: CatalogRecord {
    public init(row: Row) throws {
        try self.init(from: CatalogRecordDecoder(row: row))
    }
}

extension EncodableRecord where Self: CatalogRecord {
    public func encode(to container: inout PersistenceContainer) throws {
        for (column, value) in try CatalogRecordEncoder.columns(of: self) {
            container[column] = value.databaseValue
        }
    }
}

extension CatalogColumnValue {
    /// The value as GRDB stores it, so that a statement bound by hand writes what a record's `save` would.
    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .string(let s): s.databaseValue
        case .int64(let i): i.databaseValue
        case .double(let d): d.databaseValue
        case .bool(let b): b.databaseValue
        case .date(let d): d.databaseValue
        }
    }
}
