import Foundation
import KilnCatalog
import KilnPlanner

extension ActionExecutor {
    /// A fleet leader's import: enqueues the work that makes the Image's next version (``ImageImportWork``), or, while
    /// a host runs it, does nothing; a failed run is reported as the host saw it, and tried again by a new row (with
    /// the reconciler's backoff) unless it needs a change in git. The host that runs it saves the Image under its claim.
    func enqueueImport(
        _ image: ImageRecord, source: ImageImportSource, state: CatalogState, context: PassContext
    ) async throws {
        let kind = ImageImportWork.kind(of: source)
        let key = ImageImportWork.workKey(kind: kind, image: image.name, version: image.version + 1)
        let last = try await catalog.work(key: key)
        let decision = ImageImportWork.decide(last: last, revision: context.revision.id)
        switch decision {
        case .inFlight(let retrying):
            if let retrying { throw retrying }
            return
        case .stalled(let failure): throw failure
        case .enqueue, .retry: break
        }
        var vmHost: String?
        if case .snapshot(let vm) = source {
            guard let host = state.vms[vm]?.host else {
                throw ActionFailure(
                    .driverError, "VirtualMachine \(vm) runs on no host yet, so no host can snapshot its disk")
            }
            vmHost = host
        }
        _ = try await catalog.enqueue([
            ImageImportWork.work(
                image: image, source: source, revision: context.revision.id, vmHost: vmHost,
                retrying: decision == .enqueue ? nil : last)
        ])
        if case .retry(let failure) = decision { throw failure }
    }
}
