import KilnSpec
import Testing

@testable import KilnCLI

/// A server's sorted JSON put back in `kiln get`'s order.
@Suite struct DocumentOrderTests {
    @Test func keysFollowTheStatusDocument() {
        #expect(
            DocumentOrder.keys(.images) == [
                "apiVersion", "kind", "name", "source", "observedRevision", "observedSpecHash",
                "conditions", "state", "version", "format", "path", "sha256", "spec"
            ])
        #expect(DocumentOrder.keys(.builds).suffix(4) == ["executionCount", "lastResult", "executions", "spec"])
        #expect(DocumentOrder.keys(.vms).contains("error"), "a VM's error block has its place too")
    }

    @Test func unknownKeysGoLastAndFractionsComeBack() {
        let value = SpecValue.object([
            "zeta": .int(1), "name": .string("web"), "kind": .string("ImageBuild"),
            "apiVersion": .string("kiln.dev/v1"),
            "executions": .list([.object(["statusPercent": .int(40), "statusEta": .null, "buildNumber": .int(1)])])
        ])
        let ordered = DocumentOrder.ordered(value, as: .builds)
        #expect(ordered.map(\.0) == ["apiVersion", "kind", "name", "executions", "zeta"])
        #expect(
            ordered[3].1 == .list([.object(["statusPercent": .double(40), "statusEta": .null, "buildNumber": .int(1)])])
        )
    }
}
