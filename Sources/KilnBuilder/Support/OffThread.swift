import Foundation

/// Runs blocking work (libarchive, large reads, `getaddrinfo`) on a thread of its own rather than on a thread of the
/// cooperative pool, which must never block.
///
/// Each call gets a new thread that ends with the work. That matters for ``ThreadWorkingDirectory``: a thread that
/// detached its working directory from the process must not be reused for anything else.
enum OffThread {
    static func run<T: Sendable>(
        _ work: @escaping @Sendable () throws(BuildError) -> T
    ) async throws(BuildError) -> T {
        let result: Result<T, BuildError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                do throws(BuildError) {
                    continuation.resume(returning: .success(try work()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        return try result.get()
    }
}
