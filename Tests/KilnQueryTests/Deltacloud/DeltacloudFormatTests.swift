import KilnQuery
import Testing

/// XML unless the client asks for JSON, by parameter or by `Accept`; 406 when it accepts neither.
@Suite struct DeltacloudFormatTests {
    @Test(
        arguments: [
            (nil, nil, DeltacloudFormat.xml),
            (nil, "*/*", .xml),
            (nil, "application/json", .json),
            (nil, "application/xml", .xml),
            (nil, "text/html, application/json;q=0.9", .json),
            (nil, "application/xml;q=0.5, application/json", .json),
            (nil, "application/json;q=0, */*", .xml),
            ("json", "application/xml", .json),
            ("xml", "application/json", .xml),
            ("JSON", nil, .json)
        ] as [(String?, String?, DeltacloudFormat)])
    func chooses(format: String?, accept: String?, expected: DeltacloudFormat) throws {
        #expect(try DeltacloudFormat.choose(format: format, accept: accept) == expected)
    }

    /// Found by fuzzing (`Tests/Fixtures/fuzz/query-parameters/accept-semicolon`): an item without a media type trapped.
    @Test(arguments: [";", ";;q=1", " ; , ;"])
    func anAcceptItemWithoutAMediaTypeIsRefusedNotATrap(accept: String) {
        #expect(throws: DeltacloudFormat.Failure.self) { try DeltacloudFormat.choose(format: nil, accept: accept) }
    }

    @Test func refusesWhatItCannotSpeak() {
        #expect(
            throws: DeltacloudFormat.Failure.notAcceptable(
                "Accept text/html allows neither application/xml nor application/json")
        ) {
            try DeltacloudFormat.choose(format: nil, accept: "text/html")
        }
        #expect(
            throws: DeltacloudFormat.Failure.parameter(
                QueryParameterError(name: "format", problem: "must be xml or json (got yaml)"))
        ) {
            try DeltacloudFormat.choose(format: "yaml", accept: nil)
        }
    }
}
