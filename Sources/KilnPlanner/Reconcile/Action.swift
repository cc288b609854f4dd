import KilnCatalog
import KilnSpec

/// One step the reconciler takes to bring actual state to desired state. The planner returns them; the executor
/// performs them through drivers.
public enum Action: Sendable, Hashable {
    /// Record a build that git now has.
    case createBuild(SpecObject)
    /// Record a changed build spec (no execution by itself).
    case updateBuild(SpecObject)
    /// Forget a build that git no longer has; its executions' files go to the tombstone area.
    case deleteBuild(String)
    /// Start a new execution of a build.
    case run(build: String, reason: RunReason, reuse: Int64?)
    /// Stop a pending or running execution.
    case cancel(build: String, execution: Int64, buildNumber: Int, reason: String)
    /// Delete an execution beyond `keepResults`, with its virtual images.
    case prune(build: String, execution: Int64, buildNumber: Int)

    case createImage(SpecObject)
    case updateImage(SpecObject)
    case deleteImage(String)
    /// Point an Image at a virtual image (a new successful execution of its build); raises its MWS version.
    case resolveImage(name: String, virtualImage: VirtualImageRecord)
    /// Make an Image's file from its URL (downloaded, inspected, converted to qcow2) or from a stopped VM's disk;
    /// raises its MWS version.
    case importImage(name: String, source: ImageImportSource)

    /// Record a VM that git now has; it is created on the host once its image is ready.
    case createVM(SpecObject)
    /// Change the record of a VM without touching the running machine (callback URL, labels …).
    case updateVM(SpecObject)
    /// Create the machine on the host (overlay disk, process) from a ready image.
    case provisionVM(name: String, image: ImageRecord)
    /// Replace the machine: its image or an immutable field changed.
    case recreateVM(name: String, image: ImageRecord, reason: String)
    case startVM(String)
    case stopVM(String)
    case deleteVM(String)
    /// Record the fleet host a VM runs on (nil: none fits it), and why (issue 13). Only in a fleet.
    case placeVM(name: String, host: String?, reason: String)

    /// Bring back an object deleted within the prune grace (a `git revert`), files and all.
    case restore(TombstoneRecord)
    /// Delete for good what waited in the tombstone area past the prune grace.
    case purge(TombstoneRecord)

    /// The object the action is about.
    public var key: ObjectKey {
        switch self {
        case .createBuild(let o), .updateBuild(let o), .createImage(let o), .updateImage(let o), .createVM(let o),
            .updateVM(let o):
            o.key
        case .deleteBuild(let n), .run(let n, _, _), .cancel(let n, _, _, _), .prune(let n, _, _):
            ObjectKey(.imageBuild, n)
        case .deleteImage(let n), .resolveImage(let n, _), .importImage(let n, _):
            ObjectKey(.image, n)
        case .provisionVM(let n, _), .recreateVM(let n, _, _), .startVM(let n), .stopVM(let n), .deleteVM(let n),
            .placeVM(let n, _, _):
            ObjectKey(.virtualMachine, n)
        case .restore(let t), .purge(let t):
            ObjectKey(Kind(rawValue: t.objectKind) ?? .imageBuild, t.objectName)
        }
    }

    /// A short verb: `create`, `update`, `delete`, `run`, `cancel`, `prune`, `resolve`, `provision`, `recreate`,
    /// `start`, `stop`, `place`, `restore`, `purge`.
    public var verb: String {
        switch self {
        case .createBuild, .createImage, .createVM: "create"
        case .updateBuild, .updateImage, .updateVM: "update"
        case .deleteBuild, .deleteImage, .deleteVM: "delete"
        case .run: "run"
        case .cancel: "cancel"
        case .prune: "prune"
        case .resolveImage: "resolve"
        case .importImage(_, .url): "import"
        case .importImage(_, .snapshot): "snapshot"
        case .provisionVM: "provision"
        case .recreateVM: "recreate"
        case .startVM: "start"
        case .stopVM: "stop"
        case .placeVM: "place"
        case .restore: "restore"
        case .purge: "purge"
        }
    }

    /// Whether the action only changes catalog records (and can be batched in one transaction).
    /// What a host does to a VM's machine: provision, recreate, start, stop.
    public var isMachineAction: Bool {
        switch self {
        case .provisionVM, .recreateVM, .startVM, .stopVM: true
        default: false
        }
    }

    public var isRecordOnly: Bool {
        switch self {
        case .createBuild, .updateBuild, .createImage, .updateImage, .createVM, .updateVM, .resolveImage, .placeVM: true
        default: false
        }
    }

    /// Whether the action removes an object.
    public var isDeletion: Bool {
        switch self {
        case .deleteBuild, .deleteImage, .deleteVM: true
        default: false
        }
    }

    /// Why the action is taken, without naming the action or its object (for a plan's "why" column).
    public var reason: String {
        switch self {
        case .createBuild, .createImage, .createVM: "new in git"
        case .updateBuild, .updateImage, .updateVM: "its spec changed"
        case .deleteBuild: "gone from git; its executions' files go to the tombstone area"
        case .deleteImage, .deleteVM: "gone from git"
        case .run(_, let reason, let reuse):
            reuse == nil ? "\(reason)" : "\(reason) (reusing identical earlier outputs)"
        case .cancel(_, _, let n, let reason): "execution #\(n): \(reason)"
        case .prune(_, _, let n): "execution #\(n) and its virtual images fall out of keepResults"
        case .resolveImage(_, let vi): "points at \(vi.name) (\(vi.format)), the newest successful execution's image"
        case .importImage(_, .url(let url, _)): "downloads \(url), inspects it and converts it to qcow2"
        case .importImage(_, .snapshot(let vm)): "flattens the disk of VirtualMachine \(vm) (stopped) into a new image"
        case .provisionVM(_, let image):
            image.path == nil && image.file.isEmpty
                ? "its disk is downloaded from \(image.name) and inspected" : "its Image \(image.name) is ready"
        case .recreateVM(_, _, let reason): reason
        case .startVM: "git asks for it running"
        case .stopVM: "git asks for it stopped"
        case .placeVM(_, _, let reason): reason
        case .restore: "back in git within the prune grace: restored without a rebuild"
        case .purge: "deleted more than the prune grace ago"
        }
    }

    /// What the action does, in a sentence, for plans and logs.
    public var summary: String {
        switch self {
        case .createBuild(let o), .createImage(let o), .createVM(let o): "create \(o.key)"
        case .updateBuild(let o), .updateImage(let o), .updateVM(let o): "update \(o.key)"
        case .deleteBuild(let n): "delete ImageBuild/\(n) (its executions' files go to the tombstone area)"
        case .deleteImage(let n): "delete Image/\(n)"
        case .deleteVM(let n): "delete VirtualMachine/\(n)"
        case .run(let b, let reason, let reuse):
            reuse == nil
                ? "run ImageBuild/\(b): \(reason)"
                : "run ImageBuild/\(b): \(reason) (reusing the outputs of an identical earlier execution)"
        case .cancel(let b, _, let n, let reason): "cancel ImageBuild/\(b) execution #\(n): \(reason)"
        case .prune(let b, _, let n):
            "prune ImageBuild/\(b) execution #\(n) and its virtual images (beyond keepResults)"
        case .resolveImage(let n, let vi): "point Image/\(n) at \(vi.name) (\(vi.format))"
        case .importImage(let n, .url(let url, _)): "import Image/\(n) from \(url)"
        case .importImage(let n, .snapshot(let vm)): "snapshot VirtualMachine/\(vm) into Image/\(n)"
        case .provisionVM(let n, let image):
            image.path == nil && image.importedFrom == nil && image.file.isEmpty
                ? "provision VirtualMachine/\(n) from \(image.name)"
                : "provision VirtualMachine/\(n) from Image/\(image.name)"
        case .recreateVM(let n, _, let reason): "recreate VirtualMachine/\(n): \(reason)"
        case .startVM(let n): "start VirtualMachine/\(n)"
        case .stopVM(let n): "stop VirtualMachine/\(n)"
        case .placeVM(let n, let host?, _): "place VirtualMachine/\(n) on host \(host)"
        case .placeVM(let n, nil, _): "take VirtualMachine/\(n) off its host (it fits nowhere)"
        case .restore(let t):
            "restore \(t.objectKind)/\(t.objectName) from the tombstone area (deleted within the prune grace)"
        case .purge(let t): "purge the files of \(t.objectKind)/\(t.objectName) (deleted more than the prune grace ago)"
        }
    }
}

/// Where an imported Image's bits come from.
public enum ImageImportSource: Sendable, Hashable {
    case url(String, Checksum)
    /// A stopped VM's disk (its overlay flattened with the image below it).
    case snapshot(vm: String)
}

/// Why a build runs.
public enum RunReason: Sendable, Hashable, CustomStringConvertible {
    /// The build has never run.
    case firstRun
    /// What the build produces changed (under `run.policy: onChange`).
    case inputsChanged
    /// `run.token` changed: the GitOps "run" button.
    case tokenChanged(from: String?, to: String)
    /// The last execution was interrupted (Kiln or its host stopped).
    case interrupted(buildNumber: Int)
    /// A layered build's base Image has new bits.
    case baseImageChanged(String)

    public var description: String {
        switch self {
        case .firstRun: "first execution"
        case .inputsChanged: "the build's inputs changed (spec or scripts)"
        case .tokenChanged(let from, let to): "run.token changed (\(from ?? "none") → \(to))"
        case .interrupted(let n): "execution #\(n) was interrupted"
        case .baseImageChanged(let image): "rebuilt: base image \(image) changed"
        }
    }
}
