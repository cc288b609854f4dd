import KilnQuery
import KilnSpec
import Testing

@testable import KilnServer

/// The index gives exactly what a scan gives, for every query of the operator table and more.
@Suite struct MWSIndexTests {
    static let documents: [SpecValue] = (0..<60).map(document)

    static func document(_ i: Int) -> SpecValue {
        let version: SpecValue = i % 4 == 0 ? .double(Double(i % 5)) : .int(i % 5)
        let features: [SpecValue] = i % 5 == 0 ? [] : [.string("f\(i % 3)"), .int(i % 2)]
        let os = ["centos", "debian", "sles"][i % 3]
        var fields: [String: SpecValue] = [:]
        fields["name"] = .string("image-\(i)")
        fields["osType"] = .string(i % 3 == 0 ? "windows" : "linux")
        fields["version"] = version
        fields["active"] = .bool(i % 2 == 0)
        fields["features"] = .list(features)
        fields["extensions"] = .object(["xcat": .object(["os": .string(os)])])
        fields["virtualizedImages"] = .list([.object(["name": .string("v\(i % 4)")])])
        return .object(fields)
    }

    @Test(arguments: [
        #"{"osType":"linux"}"#, #"{"osType":"linux","extensions.xcat.os":{"$in":["centos","debian"]}}"#,
        #"{"version":1}"#, #"{"version":1.0}"#, #"{"version":{"$in":[0,4.0]}}"#, #"{"features":"f1"}"#,
        #"{"features":1}"#,
        #"{"active":true,"osType":{"$eq":"windows"}}"#, #"{"virtualizedImages.name":"v2"}"#, #"{"osType":null}"#,
        #"{"features":[]}"#, #"{"osType":{"$in":["linux",null]}}"#, #"{"osType":"linux","version":{"$gt":2}}"#,
        #"{"$or":[{"osType":"windows"},{"version":3}]}"#, #"{"extensions.xcat.os":{"$in":["nope"]}}"#
    ])
    func theIndexAgreesWithAScan(query: String) throws {
        let parsed = try MWSQueryParser.parse(query)
        let scan = Self.documents.indices.filter { parsed.matches(Self.documents[$0]) }
        let index = MWSIndex(documents: Self.documents)
        let candidates = index.candidates(parsed)
        let indexed =
            candidates.map { $0.documents.map(Int.init).filter { parsed.matches(Self.documents[$0]) } } ?? scan
        #expect(indexed == scan, "\(query)")
        // Where the index says it answered every condition, its candidates are the answer.
        if let candidates, candidates.exact { #expect(candidates.documents.map(Int.init) == scan, "\(query)") }
    }

    @Test func equalityAndInUseTheIndexOthersScan() throws {
        let index = MWSIndex(documents: Self.documents)
        #expect(index.candidates(try MWSQueryParser.parse(#"{"osType":"linux"}"#))?.exact == true)
        #expect(index.candidates(try MWSQueryParser.parse(#"{"osType":"linux","version":{"$gt":2}}"#))?.exact == false)
        #expect(index.candidates(try MWSQueryParser.parse(#"{"osType":{"$in":["linux"],"$ne":"x"}}"#))?.exact == false)
        #expect(index.candidates(try MWSQueryParser.parse(#"{"name":{"$regex":"^image"}}"#)) == nil)
        #expect(index.candidates(try MWSQueryParser.parse(#"{"$or":[{"osType":"linux"}]}"#)) == nil)
        #expect(index.candidates(try MWSQueryParser.parse(#"{"osType":null}"#)) == nil)
    }
}
