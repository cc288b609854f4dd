/// Why an action failed, and whether trying again can help.
///
/// A terminal failure needs a change in git, in Kiln's flags or on the host before the same action can succeed: it
/// is reported (the object is `Stalled`) and not retried until the commit changes or Kiln restarts with other flags.
/// A transient failure (a tool that crashed, a busy catalog, a slow download) is retried with backoff.
public struct ActionFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// Each reason is a status condition's `reason`, so it reads as one word in CamelCase.
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        /// `networkType: bridged` and no `--vm-bridge`, or `hostonly` and no usable host-only bridge.
        case noBridge = "NoBridge"
        /// A UEFI image and no OVMF firmware on the host.
        case noFirmware = "NoFirmware"
        /// An image that cannot boot as configured (a bare filesystem and no `--vm-kernel`).
        case unbootableImage = "UnbootableImage"
        /// A download whose bytes do not match the checksum git names.
        case checksumMismatch = "ChecksumMismatch"
        /// A disk refused by inspection (a backing file, an external data file, flat extents, a format mismatch …).
        case unsafeImage = "UnsafeImage"
        /// Something in the spec that this host cannot do as asked.
        case badRequest = "BadRequest"
        /// A host tool failed, or a process did not start: may work next time.
        case driverError = "DriverError"
        /// The catalog could not be read or written.
        case catalogError = "CatalogError"
        /// A download or a network call failed or timed out.
        case networkError = "NetworkError"
        /// Something on the host holds what Kiln needs (a folder Kiln did not make, a monitor that does not answer).
        case conflict = "Conflict"
        /// What Kiln made is gone from the host (a VM's folder deleted behind its back).
        case notFound = "NotFound"

        /// Whether this reason is terminal unless the error says otherwise.
        public var isTerminalByDefault: Bool {
            switch self {
            case .noBridge, .noFirmware, .unbootableImage, .checksumMismatch, .unsafeImage, .badRequest: true
            case .driverError, .catalogError, .networkError, .conflict, .notFound: false
            }
        }
    }

    public var reason: Reason
    public var message: String
    public var isTerminal: Bool

    public init(_ reason: Reason, _ message: String, isTerminal: Bool? = nil) {
        self.reason = reason
        self.message = message
        self.isTerminal = isTerminal ?? reason.isTerminalByDefault
    }

    /// Any error as a failure: typed errors keep their reason; anything else is a transient driver error.
    public init(_ error: any Error) {
        switch error {
        case let failure as ActionFailure: self = failure
        case let typed as any ActionFailureConvertible: self = typed.actionFailure
        default: self.init(.driverError, "\(error)")
        }
    }

    public var description: String { message }

    /// The VM builder service's error code for this failure: `bad-request` for what the spec asks and the host
    /// cannot do, `conflict`, `vm-not-found`, and `internal` for the rest.
    public var vmErrorCode: String {
        switch reason {
        case .conflict: "conflict"
        case .notFound: "vm-not-found"
        case .catalogError, .driverError, .networkError: isTerminal ? "bad-request" : "internal"
        case .noBridge, .noFirmware, .unbootableImage, .checksumMismatch, .unsafeImage, .badRequest: "bad-request"
        }
    }
}

/// An error that knows what kind of failure it is (drivers' errors conform, so the reconciler can tell a
/// configuration error from a hiccup without parsing messages).
public protocol ActionFailureConvertible: Error {
    var actionFailure: ActionFailure { get }
}
