import Foundation
import KilnDrivers
import Testing

@Suite struct FleetTokenTests {
    func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-token-\(UUID().uuidString)")
            .path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func theFirstLineIsTheTokenAndItNeverPrints() throws {
        let path = try file("  s3cret-fleet-token  \nsecond line\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let token = try FleetToken.read(path: path)
        #expect(token.value == "s3cret-fleet-token")
        #expect("\(token)" == "************")
    }

    @Test func missingEmptyOrSpacedTokensAreRefusedNamingTheFileNotItsText() throws {
        #expect(throws: FleetTokenError.unreadable(path: "/nonexistent/token")) {
            try FleetToken.read(path: "/nonexistent/token")
        }
        let empty = try file("\n\n")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(throws: FleetTokenError.empty(path: empty)) { try FleetToken.read(path: empty) }
        let spaced = try file("two words\n")
        defer { try? FileManager.default.removeItem(atPath: spaced) }
        do {
            _ = try FleetToken.read(path: spaced)
            Issue.record("a token with a space is refused")
        } catch {
            #expect("\(error)".contains(spaced))
            #expect(!"\(error)".contains("two words"))
        }
    }
}
