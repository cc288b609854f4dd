import Foundation

/// A catalog row a record is read from, whatever the database behind it: GRDB's `Row` for SQLite today, a
/// PostgreSQL row for a fleet. A record's `Codable` conformance, with its one set of coding keys, is its only list of
/// columns; ``CatalogRecordDecoder`` maps each key to a column through this protocol.
public protocol CatalogRowReader {
    func contains(_ column: String) -> Bool
    func isNull(_ column: String) throws -> Bool
    func string(_ column: String) throws -> String
    func int64(_ column: String) throws -> Int64
    func double(_ column: String) throws -> Double
    func bool(_ column: String) throws -> Bool
    func date(_ column: String) throws -> Date
    /// The same, nil for NULL: one lookup of the column where `contains`, `isNull` and a read would take three.
    func optionalString(_ column: String) throws -> String?
    func optionalInt64(_ column: String) throws -> Int64?
    func optionalDouble(_ column: String) throws -> Double?
    func optionalBool(_ column: String) throws -> Bool?
}

/// One column's value as a record writes it, before a database adapter turns it into its own type.
public enum CatalogColumnValue: Sendable, Hashable {
    case null
    case string(String)
    case int64(Int64)
    case double(Double)
    case bool(Bool)
    case date(Date)
}

/// A value kept as JSON text in one column: specs, labels, statuses. Its own parser and printer are the fast path a
/// catalog read of 10,000 objects needs (Foundation's JSON coders cost ten times as much here).
public protocol JSONColumn {
    init(columnJSON: String) throws
    var columnJSON: String { get }
}

/// An enum kept as its raw text in one column.
public protocol TextColumn {
    init?(columnText: String)
    var columnText: String { get }
}

extension TextColumn where Self: RawRepresentable, RawValue == String {
    public init?(columnText: String) { self.init(rawValue: columnText) }
    public var columnText: String { rawValue }
}

/// A struct whose properties are columns of the record that holds it (the spec-derived fields), not a column of
/// their own: their keys sit beside the record's keys in the same row.
public protocol InlineColumns: Codable {}

/// Why a row could not become a record, or a record a row.
public struct CatalogCodingError: Error, CustomStringConvertible {
    public var column: String
    public var problem: String
    public var description: String { "catalog column \(column): \(problem)" }
}
