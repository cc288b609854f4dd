import KilnQuery
import KilnSpec
import Testing

/// The MWS query language against documents shaped as MWS images: each operator, dotted paths, arrays, and errors
/// that name the bad part.
@Suite struct MWSQueryTests {
    static let centos: SpecValue = .object([
        "name": .string("centos5-compute"), "osType": .string("linux"), "version": .int(3), "active": .bool(true),
        "hypervisorType": .null, "features": .list([.string("gpu"), .string("ib")]),
        "extensions": .object(["xcat": .object(["os": .string("centos"), "architecture": .string("x86_64")])]),
        "virtualizedImages": .list([.object(["name": .string("a")]), .object(["name": .string("b")])])
    ])
    static let windows: SpecValue = .object([
        "name": .string("win2019"), "osType": .string("windows"), "version": .int(0), "active": .bool(false),
        "hypervisorType": .string("ESX"), "features": .list([]),
        "extensions": .object(["xcat": .object(["os": .string("win")])])
    ])

    static func matches(_ query: String) throws -> [String] {
        let parsed = try MWSQueryParser.parse(query)
        return [centos, windows].filter { parsed.matches($0) }.compactMap { $0["name"]?.string }
    }

    @Test(arguments: [
        (#"{}"#, ["centos5-compute", "win2019"]),
        (#"{"osType":"linux"}"#, ["centos5-compute"]),
        (#"{"osType":{"$eq":"windows"}}"#, ["win2019"]),
        (#"{"osType":{"$ne":"linux"}}"#, ["win2019"]),
        (#"{"extensions.xcat.os":{"$in":["centos","debian"]}}"#, ["centos5-compute"]),
        (#"{"osType":"linux","extensions.xcat.os":{"$in":["centos","debian"]}}"#, ["centos5-compute"]),
        (#"{"extensions.xcat.os":{"$nin":["centos"]}}"#, ["win2019"]),
        (#"{"extensions.xcat.architecture":{"$exists":true}}"#, ["centos5-compute"]),
        (#"{"extensions.xcat.architecture":{"$exists":false}}"#, ["win2019"]),
        (#"{"hypervisorType":null}"#, ["centos5-compute"]),
        (#"{"missing":null}"#, ["centos5-compute", "win2019"]),
        (#"{"name":{"$regex":"^CENT","$options":"i"}}"#, ["centos5-compute"]),
        (#"{"name":{"$regex":"^cent"}}"#, ["centos5-compute"]),
        (#"{"version":{"$gt":0}}"#, ["centos5-compute"]),
        (#"{"version":{"$gte":0,"$lt":3}}"#, ["win2019"]),
        (#"{"version":{"$lte":3.0}}"#, ["centos5-compute", "win2019"]),
        (#"{"version":3.0}"#, ["centos5-compute"]),
        (#"{"name":{"$gt":"d"}}"#, ["win2019"]),
        (#"{"version":{"$gt":"a"}}"#, []),
        (#"{"features":"gpu"}"#, ["centos5-compute"]),
        (#"{"features":{"$in":["ib","x"]}}"#, ["centos5-compute"]),
        (#"{"features":[]}"#, ["win2019"]),
        (#"{"virtualizedImages.name":"b"}"#, ["centos5-compute"]),
        (#"{"active":true}"#, ["centos5-compute"]),
        (#"{"$or":[{"osType":"windows"},{"version":3}]}"#, ["centos5-compute", "win2019"]),
        (#"{"$and":[{"osType":"linux"},{"version":0}]}"#, []),
        (#"{"extensions":{"xcat":{"os":"win"}}}"#, ["win2019"])
    ])
    func operators(query: String, expected: [String]) throws {
        #expect(try Self.matches(query) == expected, "\(query)")
    }

    @Test(arguments: [
        (
            #"{"osType": "linux""#,
            "is not valid JSON: unexpected end of the JSON: an object is not closed at character 19"
        ),
        (#"["osType"]"#, "the query must be a JSON object, not an array"),
        (
            #"{"osType":{"$like":"l"}}"#,
            "unknown operator $like on osType (supported: $eq, $ne, $in, $nin, $exists, $regex, $options, $gt, $gte, $lt, $lte)"
        ),
        (#"{"$where":"1"}"#, "unknown top-level operator $where (use $and or $or, or a field name)"),
        (#"{"osType":{"$in":"linux"}}"#, "$in on osType needs an array, not a string"),
        (#"{"osType":{"$exists":"yes"}}"#, "$exists on osType needs true or false, not a string"),
        (#"{"name":{"$regex":"(a"}}"#, "$regex on name: unbalanced '(' at character 3 of the pattern"),
        (#"{"name":{"$regex":"a","$options":"x"}}"#, "$options on name may only be \"i\" (case-insensitive)"),
        (#"{"$or":[]}"#, "$or needs a non-empty array of queries"),
        (#"{"$or":[{"a":1}, 3]}"#, "$or[1] must be a JSON object, not a number"),
        (#"{"a..b":1}"#, "the field name \"a..b\" is not a valid path"),
        (#"{"version":{"$gt":[1]}}"#, "$gt on version needs a number, string or boolean, not an array")
    ])
    func errorsNameTheBadPart(query: String, message: String) {
        do {
            _ = try MWSQueryParser.parse(query)
            Issue.record("accepted: \(query)")
        } catch {
            #expect(error.message == message)
        }
    }

    @Test func hugeQueriesAndListsAreRefused() {
        #expect(throws: MWSQueryParser.Failure.self) {
            try MWSQueryParser.parse("{\"a\":\"" + String(repeating: "x", count: 9000) + "\"}")
        }
        let items = (0...1000).map { "\($0)" }.joined(separator: ",")
        #expect(throws: MWSQueryParser.Failure.self) { try MWSQueryParser.parse("{\"version\":{\"$in\":[\(items)]}}") }
    }

    @Test func sortOrdersByEveryKeyInTurn() throws {
        let docs: [SpecValue] = [
            .object(["name": .string("b"), "version": .int(1)]),
            .object(["name": .string("a"), "version": .int(1)]),
            .object(["name": .string("c"), "version": .int(2)]),
            .object(["name": .string("d")])
        ]
        let sort = try MWSSort.parse(#"{"version":-1,"name":1}"#)
        #expect(docs.sorted(by: sort.less).compactMap { $0["name"]?.string } == ["c", "a", "b", "d"])
        #expect(try MWSSort.parse(#"{"name":1}"#).isByNameAscending)
        #expect(try !MWSSort.parse(#"{"name":-1}"#).isByNameAscending)
    }

    @Test(arguments: [
        (#"{"name":2}"#, "the direction of name must be 1 or -1"),
        (#"["name"]"#, "must be a JSON object such as {\"name\": 1}, not an array"),
        (#"{"$natural":1}"#, "\"$natural\" is not a field to sort on")
    ])
    func badSortsSayWhy(sort: String, message: String) {
        do {
            _ = try MWSSort.parse(sort)
            Issue.record("accepted")
        } catch {
            #expect(error.message == message)
        }
    }
}
