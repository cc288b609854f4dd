import Foundation

/// Writes an `Encodable` record as catalog columns, one per coding key: the counterpart of ``CatalogRecordDecoder``.
/// A nil optional is written as NULL (not skipped), so an update clears what the record cleared.
final class CatalogRecordEncoder: Encoder {
    private(set) var columns: [(String, CatalogColumnValue)] = []
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init() { columns.reserveCapacity(32) }

    static func columns<Record: Encodable>(of record: Record) throws -> [(String, CatalogColumnValue)] {
        let encoder = CatalogRecordEncoder()
        try record.encode(to: encoder)
        return encoder.columns
    }

    func set(_ column: String, _ value: CatalogColumnValue) { columns.append((column, value)) }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(Columns<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        preconditionFailure("a record is a row of named columns, not a list")
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        preconditionFailure("a record is a row of named columns, not a single value")
    }

    struct Columns<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let encoder: CatalogRecordEncoder
        var codingPath: [any CodingKey] { [] }

        func set(_ key: Key, _ value: CatalogColumnValue) { encoder.set(key.stringValue, value) }

        func encodeNil(forKey key: Key) throws { set(key, .null) }
        func encode(_ value: Bool, forKey key: Key) throws { set(key, .bool(value)) }
        func encode(_ value: String, forKey key: Key) throws { set(key, .string(value)) }
        func encode(_ value: Double, forKey key: Key) throws { set(key, .double(value)) }
        func encode(_ value: Float, forKey key: Key) throws { set(key, .double(Double(value))) }
        func encode(_ value: Int, forKey key: Key) throws { set(key, .int64(Int64(value))) }
        func encode(_ value: Int8, forKey key: Key) throws { set(key, .int64(Int64(value))) }
        func encode(_ value: Int16, forKey key: Key) throws { set(key, .int64(Int64(value))) }
        func encode(_ value: Int32, forKey key: Key) throws { set(key, .int64(Int64(value))) }
        func encode(_ value: Int64, forKey key: Key) throws { set(key, .int64(value)) }
        func encode(_ value: UInt, forKey key: Key) throws { set(key, .int64(Int64(truncatingIfNeeded: value))) }
        func encode(_ value: UInt8, forKey key: Key) throws { set(key, .int64(Int64(value))) }
        func encode(_ value: UInt16, forKey key: Key) throws { set(key, .int64(Int64(value))) }
        func encode(_ value: UInt32, forKey key: Key) throws { set(key, .int64(Int64(value))) }
        func encode(_ value: UInt64, forKey key: Key) throws { set(key, .int64(Int64(bitPattern: value))) }

        func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            if let date = value as? Date { return set(key, .date(date)) }
            if let json = value as? any JSONColumn { return set(key, .string(json.columnJSON)) }
            if let text = value as? any TextColumn { return set(key, .string(text.columnText)) }
            if value is any InlineColumns { return try value.encode(to: encoder) }
            throw CatalogCodingError(
                column: key.stringValue,
                problem: "\(T.self) has no column representation (make it a JSONColumn or TextColumn)")
        }

        // Optionals: NULL rather than nothing, so that clearing a field reaches the database.
        func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { set(key, .null) }
        }
        func encodeIfPresent(_ value: String?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { set(key, .null) }
        }
        func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { set(key, .null) }
        }
        func encodeIfPresent(_ value: Float?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { set(key, .null) }
        }
        func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { set(key, .null) }
        }
        func encodeIfPresent(_ value: Int8?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { set(key, .null) }
        }
        func encodeIfPresent(_ value: Int16?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { set(key, .null) }
        }
        func encodeIfPresent(_ value: Int32?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { set(key, .null) }
        }
        func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { set(key, .null) }
        }
        func encodeIfPresent(_ value: UInt?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { set(key, .null) }
        }
        func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { set(key, .null) }
        }
        func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { set(key, .null) }
        }
        func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { set(key, .null) }
        }
        func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { set(key, .null) }
        }
        func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { set(key, .null) }
        }

        func nestedContainer<NestedKey: CodingKey>(
            keyedBy keyType: NestedKey.Type, forKey key: Key
        ) -> KeyedEncodingContainer<NestedKey> {
            preconditionFailure("catalog column \(key.stringValue): nested containers are not columns")
        }

        func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            preconditionFailure("catalog column \(key.stringValue): lists are JSONColumn values, not nested containers")
        }

        func superEncoder() -> any Encoder { encoder }
        func superEncoder(forKey key: Key) -> any Encoder { encoder }
    }
}
