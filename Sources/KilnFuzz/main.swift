import CFuzzDriver
import Foundation

// libFuzzer runs every input through the target named by KILN_FUZZ_TARGET, on this one thread. Built the ordinary
// way (without libFuzzer, see CFuzzDriver.h) kiln-fuzz only says how to fuzz.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
let status = kiln_fuzz_run_driver(&argc, &argv) { data, size in
    FuzzTarget.selected.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
if status == -1 {
    report("built without libFuzzer; build and run it with: bash .ci/fuzz [SECONDS]")
    report("targets (KILN_FUZZ_TARGET): \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
    exit(2)
}
exit(status)
