import Foundation

/// How a claimed piece of work ended, and the catalog change that goes with it: ``Catalog/finishWork(_:_:)`` writes
/// both in one transaction, so a finish whose claim is no longer held changes nothing, and a finish that is accepted
/// is never without its change.
public struct WorkCompletion: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        case done(String)
        case failed(String)
    }

    public var outcome: Outcome
    /// A finished execution to save, with the virtual images it made (as ``Catalog/finishExecution(_:images:)``).
    public var execution: ExecutionRecord?
    public var virtualImages: [VirtualImageRecord]
    /// Images and VMs to save (by name).
    public var images: [ImageRecord]
    public var vms: [VMRecord]
    public var statuses: [StatusUpdate]

    public init(
        _ outcome: Outcome, execution: ExecutionRecord? = nil, virtualImages: [VirtualImageRecord] = [],
        images: [ImageRecord] = [], vms: [VMRecord] = [], statuses: [StatusUpdate] = []
    ) {
        self.outcome = outcome
        self.execution = execution
        self.virtualImages = virtualImages
        self.images = images
        self.vms = vms
        self.statuses = statuses
    }

    /// Whether it changes anything besides the work row.
    var changesCatalog: Bool {
        execution != nil || !virtualImages.isEmpty || !images.isEmpty || !vms.isEmpty || !statuses.isEmpty
    }

    var state: WorkRecord.State {
        if case .done = outcome { .done } else { .failed }
    }

    var result: String {
        switch outcome {
        case .done(let text), .failed(let text): text
        }
    }
}
