import Foundation
import KilnCatalog
import KilnPlanner
import KilnSpec

/// An image import as fleet work (issue 13): the row the leader enqueues for it, what the host that runs it says of
/// a failure, and what the leader makes of the newest row on each pass. Pure: no catalog, no disk.
///
/// A URL's download (`FetchImage`) may run on any host; a VM's snapshot (`ConvertImage`) only on the host that runs
/// the VM, which has its disk. One row per Image and version: a leader that plans the same import on every pass
/// enqueues it once, and a retry is a new row of the same key.
public enum ImageImportWork {
    /// The key of the import that makes `image`'s version `version`.
    public static func workKey(kind: WorkRecord.Kind, image: String, version: Int) -> String {
        "\(kind.rawValue) Image/\(image) v\(version)"
    }

    public static func kind(of source: ImageImportSource) -> WorkRecord.Kind {
        switch source {
        case .url: .fetchImage
        case .snapshot: .convertImage
        }
    }

    /// The row that makes `image`'s next version from `source`, asked for by `revision`. A snapshot's row carries
    /// the label of `vmHost`, the host the VM runs on. A retry carries the failed row it follows (`retrying`), whose
    /// failure stays reported while it runs.
    public static func work(
        image: ImageRecord, source: ImageImportSource, revision: String, vmHost: String?,
        retrying: WorkRecord? = nil
    ) -> WorkRecord {
        let kind = kind(of: source)
        let version = image.version + 1
        var detail: [String: SpecValue] = [
            "image": .string(image.name), "version": .int(version), "revision": .string(revision),
            "importKey": .string(ImageRecord.importKey(for: image.typed) ?? "")
        ]
        if let retrying {
            detail["retryOf"] = .object([
                "result": .string(retrying.result ?? ""), "host": .string(retrying.holder ?? "")
            ])
        }
        var labels: [String] = []
        if case .snapshot(let vm) = source {
            detail["vm"] = .string(vm)
            if let vmHost { labels = [Placement.hostLabel(vmHost)] }
        }
        return WorkRecord(
            kind: kind, object: ObjectKey(.image, image.name),
            workKey: workKey(kind: kind, image: image.name, version: version), detail: .object(detail),
            labels: labels)
    }

    /// What the leader does about an import, given the newest row of its key.
    public enum Decision: Sendable, Hashable {
        /// No row yet, or none that can still make this version: enqueue one.
        case enqueue
        /// A host runs it, or will: nothing to do. A retry's run reports the failure it follows, so that the leader's
        /// backoff keeps growing while the import keeps failing.
        case inFlight(retrying: ActionFailure?)
        /// It failed in a way that trying again may mend: enqueue another, and report this failure.
        case retry(ActionFailure)
        /// It failed in a way that needs a change (a checksum, an unsafe disk) under this commit: report it, and
        /// enqueue nothing until the commit changes.
        case stalled(ActionFailure)
    }

    public static func decide(last: WorkRecord?, revision: String) -> Decision {
        guard let last else { return .enqueue }
        switch last.state {
        case .queued, .claimed:
            guard let previous = last.detail["retryOf"], let result = previous["result"]?.string else {
                return .inFlight(retrying: nil)
            }
            let host = previous["host"]?.string.flatMap { $0.isEmpty ? nil : $0 }
            return .inFlight(retrying: failure(result: result, host: host))
        // Done, and yet asked again: the Image's record was written over since, and it is made again; or this pass
        // read the Image just before the host's finish, and the host that claims the new row ends it at once (the
        // Image is already at that version, ``ImageWorkRunner``).
        case .done: return .enqueue
        case .failed:
            let failure = failure(of: last)
            if !failure.isTerminal { return .retry(failure) }
            return last.detail["revision"]?.string == revision ? .stalled(failure) : .enqueue
        }
    }

    /// The result a host records for a failed import: the failure's reason, whether it is terminal, and its message
    /// (`ChecksumMismatch, terminal: …`), so that the leader reports it as the host saw it.
    public static func result(of failure: ActionFailure) -> String {
        "\(failure.reason.rawValue)\(failure.isTerminal ? ", terminal" : ""): \(failure.message)"
    }

    /// The failure a failed row records, named after the host that ran it. A result in another form (the row was
    /// requeued from a Lost host, or cancelled) is a transient failure.
    public static func failure(of row: WorkRecord) -> ActionFailure {
        failure(result: row.result, host: row.holder)
    }

    static func failure(result: String?, host: String?) -> ActionFailure {
        let text = result ?? "no reason recorded"
        let on = host.map { "on host \($0): " } ?? ""
        if let colon = text.range(of: ": ") {
            let head = text[..<colon.lowerBound].split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            if let first = head.first, let reason = ActionFailure.Reason(rawValue: first) {
                return ActionFailure(
                    reason, on + text[colon.upperBound...], isTerminal: head.dropFirst().contains("terminal"))
            }
        }
        return ActionFailure(.driverError, on + text, isTerminal: false)
    }
}
