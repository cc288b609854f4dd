import Crypto
import Hummingbird
import KilnCatalog
import KilnSpec

/// `packages.txt`: the resolved package list of a Debian build (`name version architecture` per line), which the
/// catalog keeps with its execution; served and shown in lineage like the execution's other artifacts.
enum PackageList {
    static let fileName = "packages.txt"

    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static func rendered(_ text: String) -> Rendered {
        var headers = HTTPFields()
        headers[.contentDisposition] = "attachment; filename=\"\(fileName)\""
        return Rendered(contentType: "text/plain; charset=utf-8", body: ByteBuffer(string: text), headers: headers)
    }

    /// The lineage node of an execution's package list.
    static func lineage(_ execution: ExecutionRecord) -> SpecValue? {
        guard let packages = execution.packages else { return nil }
        return .object([
            "type": .string("artifact"), "file": .string(fileName), "format": .string("packages"),
            "sha256": .string(sha256(packages)), "size": .int(packages.utf8.count),
            "packages": .int(packages.split(separator: "\n").count),
            "href": .string(
                "/kiln/v1/image-builds/\(execution.buildName)/executions/\(execution.buildNumber)/artifacts/\(fileName)"
            )
        ])
    }
}
