import Dispatch
import Foundation
import Synchronization

/// Runs a benchmark's body so that SIGINT or SIGTERM to `kiln-bench` cancels it instead of ending the process at once:
/// the body's clean-up (ending the daemons it started, by pid; a PostgreSQL cluster started by `pg_ctl` is in a
/// session of its own, so a Ctrl-C at the terminal does not reach it) runs first, and then the signal ends `kiln-bench`
/// with the status the signal would have given it.
enum SignalCancellation {
    /// The signal that arrived, if one did.
    final class Received: Sendable {
        let signal = Mutex<Int32?>(nil)
    }

    static func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await body() }
        let received = Received()
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            // A signal source sees a signal only while its default action (ending the process) is off.
            Foundation.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                received.signal.withLock { $0 = $0 ?? number }
                task.cancel()
            }
            source.resume()
            sources.append(source)
        }
        let result = await task.result
        for source in sources { source.cancel() }
        Foundation.signal(SIGINT, SIG_DFL)
        Foundation.signal(SIGTERM, SIG_DFL)
        if let number = received.signal.withLock({ $0 }) {
            print("kiln-bench: stopped by signal \(number), after ending what it had started")
            // What a shell reports for a process the signal ended. (Not `raise`: this thread may block the signal.) `exit`
            // writes out what `print` buffered.
            exit(128 + number)
        }
        return try result.get()
    }
}
