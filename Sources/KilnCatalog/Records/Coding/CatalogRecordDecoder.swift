import Foundation

/// Reads a `Decodable` record from a catalog row: each coding key is a column. Only keyed containers exist (a record
/// is a flat row); values that are not plain column types are ``JSONColumn``, ``TextColumn``, `Date`, or
/// ``InlineColumns`` read from the same row.
struct CatalogRecordDecoder<Row: CatalogRowReader>: Decoder {
    let row: Row
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Columns<Key>(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw CatalogCodingError(column: "?", problem: "a record is a row of named columns, not a list")
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw CatalogCodingError(column: "?", problem: "a record is a row of named columns, not a single value")
    }

    struct Columns<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let decoder: CatalogRecordDecoder
        var row: Row { decoder.row }
        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] { [] }

        func contains(_ key: Key) -> Bool { row.contains(key.stringValue) }
        func decodeNil(forKey key: Key) throws -> Bool { try row.isNull(key.stringValue) }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try row.bool(key.stringValue) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try row.string(key.stringValue) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try row.double(key.stringValue) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try row.double(key.stringValue)) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(key) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(key) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(key) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(key) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try row.int64(key.stringValue) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(key) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(key) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(key) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(key) }
        /// 64-bit unsigned values (process start times) are stored by bit pattern in the signed column.
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 {
            UInt64(bitPattern: try row.int64(key.stringValue))
        }

        func integer<T: FixedWidthInteger>(_ key: Key) throws -> T {
            let value = try row.int64(key.stringValue)
            guard let exact = T(exactly: value) else {
                throw CatalogCodingError(column: key.stringValue, problem: "\(value) does not fit \(T.self)")
            }
            return exact
        }

        // Optionals in one lookup each (the default would ask `contains`, then `decodeNil`, then decode).
        func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
            try row.optionalString(key.stringValue)
        }
        func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
            try row.optionalBool(key.stringValue)
        }
        func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
            try row.optionalDouble(key.stringValue)
        }
        func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? {
            try row.optionalInt64(key.stringValue)
        }
        func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? {
            try row.optionalInt64(key.stringValue).map { UInt64(bitPattern: $0) }
        }
        func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try optionalInteger(key) }
        func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try optionalInteger(key) }

        func optionalInteger<T: FixedWidthInteger>(_ key: Key) throws -> T? {
            guard let value = try row.optionalInt64(key.stringValue) else { return nil }
            guard let exact = T(exactly: value) else {
                throw CatalogCodingError(column: key.stringValue, problem: "\(value) does not fit \(T.self)")
            }
            return exact
        }

        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            if T.self is any InlineColumns.Type { return try T(from: decoder) }
            guard contains(key), !(try row.isNull(key.stringValue)) else { return nil }
            return try decode(T.self, forKey: key)
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            let column = key.stringValue
            if T.self == Date.self { return try row.date(column) as! T }
            if let json = T.self as? any JSONColumn.Type {
                return try json.init(columnJSON: try row.string(column)) as! T
            }
            if let text = T.self as? any TextColumn.Type {
                let raw = try row.string(column)
                guard let value = text.init(columnText: raw) else {
                    throw CatalogCodingError(
                        column: column, problem: "\(raw) is not a known \(T.self) (written by a newer Kiln?)")
                }
                return value as! T
            }
            if T.self is any InlineColumns.Type { return try T(from: decoder) }
            throw CatalogCodingError(
                column: column, problem: "\(T.self) has no column representation (make it a JSONColumn or TextColumn)")
        }

        func nestedContainer<NestedKey: CodingKey>(
            keyedBy type: NestedKey.Type, forKey key: Key
        ) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            throw CatalogCodingError(column: key.stringValue, problem: "nested containers are not columns")
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            throw CatalogCodingError(
                column: key.stringValue, problem: "lists are JSONColumn values, not nested containers")
        }

        func superDecoder() throws -> any Decoder { decoder }
        func superDecoder(forKey key: Key) throws -> any Decoder { decoder }
    }
}
