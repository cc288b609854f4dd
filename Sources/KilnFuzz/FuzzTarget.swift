import Foundation

/// What one fuzzing run exercises. Each target feeds the input to a parser that reads what strangers send, and
/// checks the promises the parser makes about its answers; a broken promise traps, which libFuzzer reports as a crash.
enum FuzzTarget: String, CaseIterable, Sendable {
    /// The YAML loader and spec validation: a spec file from a pull request.
    case yaml
    /// MWS `query` and `sort` parameters, and the JSON reader under them.
    case mwsQuery = "mws-query"
    /// Query strings as the Morpheus, MWS and VM builder APIs read them, and Deltacloud's format negotiation.
    case queryParameters = "query-parameters"

    func run(_ bytes: [UInt8]) {
        switch self {
        case .yaml: YAMLFuzz.run(bytes)
        case .mwsQuery: MWSQueryFuzz.run(bytes)
        case .queryParameters: QueryParametersFuzz.run(bytes)
        }
    }

    /// The target named by `KILN_FUZZ_TARGET`; a missing or unknown name stops the run before any input.
    static let selected: FuzzTarget = {
        let name = getenv("KILN_FUZZ_TARGET").map { String(cString: $0) } ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            report("set KILN_FUZZ_TARGET to one of \(allCases.map(\.rawValue).joined(separator: ", "))")
            exit(2)
        }
        return target
    }()
}

/// Stops the run with the broken promise; libFuzzer saves the input that broke it.
func promise(_ condition: Bool, _ what: @autoclosure () -> String) {
    if !condition {
        report("broken promise: \(what())")
        abort()
    }
}

func report(_ line: String) {
    FileHandle.standardError.write(Data("kiln-fuzz: \(line)\n".utf8))
}
