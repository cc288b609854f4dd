import Foundation
import KilnTestSupport
import Testing

/// `specs/openapi.yaml` is a valid OpenAPI 3.1 document, by a third-party validator (openapi-spec-validator, PyPI).
@Suite struct OpenAPIDocumentTests {
    @Test func theDocumentIsValidOpenAPI31() async throws {
        let out = try await ExternalTool.run(try ExternalTool.openAPISpecValidator(), [Repo.path("specs/openapi.yaml")])
        #expect(out.status == 0, "openapi-spec-validator: \(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("OK"))
        let text = try String(contentsOfFile: Repo.path("specs/openapi.yaml"), encoding: .utf8)
        #expect(text.hasPrefix("openapi: 3.1."))
    }

    /// A control: the validator does refuse a broken document, so its OK above means something.
    @Test func theValidatorRefusesABrokenCopy() async throws {
        let text = try String(contentsOfFile: Repo.path("specs/openapi.yaml"), encoding: .utf8)
        let broken = text.replacingOccurrences(
            of: ##"$ref: "#/components/schemas/Sync""##,
            with: ##"$ref: "#/components/schemas/NoSuchSchema""##)
        #expect(broken != text)
        let folder = try TempFolder()
        let path = try folder.write("openapi.yaml", Data(broken.utf8))
        let out = try await ExternalTool.run(try ExternalTool.openAPISpecValidator(), [path])
        #expect(out.status != 0)
        #expect((out.stdout + out.stderr).contains("NoSuchSchema"))
    }
}
