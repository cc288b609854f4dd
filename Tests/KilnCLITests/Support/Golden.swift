import Foundation
import KilnTestSupport
import Testing

/// Golden files under `Tests/Fixtures/plan/`: the exact output a test expects.
///
/// To regenerate them after an intended change of output, run the tests with `KILN_UPDATE_GOLDENS=1`:
///
///     KILN_UPDATE_GOLDENS=1 swift test --filter PlanCommandTests
///
/// then review the difference with `git diff Tests/Fixtures/plan` before committing it.
enum Golden {
    static let folder = KilnBinary.packageRoot + "/Tests/Fixtures/plan"

    static var updating: Bool { ProcessInfo.processInfo.environment["KILN_UPDATE_GOLDENS"] == "1" }

    /// Expects `actual` to equal the golden file `name` (or, when updating, writes it).
    static func check(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let path = "\(folder)/\(name)"
        if updating {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try actual.write(toFile: path, atomically: true, encoding: .utf8)
            } catch {
                Issue.record("cannot write the golden file \(path): \(error)", sourceLocation: sourceLocation)
            }
            return
        }
        guard let expected = try? String(contentsOfFile: path, encoding: .utf8) else {
            Issue.record(
                "no golden file \(path); run with KILN_UPDATE_GOLDENS=1 to write it", sourceLocation: sourceLocation)
            return
        }
        guard actual != expected else { return }
        Issue.record(
            "output differs from \(name) (run with KILN_UPDATE_GOLDENS=1 to accept it):\n\(difference(expected, actual))",
            sourceLocation: sourceLocation)
    }

    /// The first differing line of two texts, with its neighbours.
    static func difference(_ expected: String, _ actual: String) -> String {
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let first = zip(e, a).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(e.count, a.count)
        let range = max(0, first - 2)..<(first + 3)
        func show(_ lines: [Substring]) -> String {
            range.filter { $0 < lines.count }.map { "  \($0 + 1)\($0 == first ? ">" : " ") \(lines[$0])" }.joined(
                separator: "\n")
        }
        return "line \(first + 1)\nexpected:\n\(show(e))\nactual:\n\(show(a))"
    }
}
