import Foundation
import KilnCatalog
import KilnPlanner

/// What an object's status was computed from at the last pass, and its Ready summary. A pass whose inputs for an
/// object equal these has nothing new to say about it (same conditions, row and file), so it skips the object: a full
/// resync over 10,000 unchanged objects renders no status document.
struct StatusMemo {
    var inputs: StatusInputs
    var summary: ObjectHealthSummary
}

/// Everything an object's health, conditions and status document are made of. The record is kept as it is once the
/// computed status is saved, so the next pass finds it equal.
enum StatusInputs: Equatable {
    /// The build, its executions (oldest first) and each one's virtual images, its plan notes, its failed action.
    case build(BuildRecord, [ExecutionRecord], [[VirtualImageRecord]], [Note], Failure?)
    /// The image, the executions of the build it comes from (its state follows them), notes, failed action.
    case image(ImageRecord, [ExecutionRecord]?, [Note], Failure?)
    /// The VM, its callback deliveries, notes, failed action, and the pass's time while its status moves with the
    /// clock (a guest booting or not yet answering its agent), so that it is computed on every pass then.
    case vm(VMRecord, [CallbackDelivery], [Note], Failure?, Date?)
}
