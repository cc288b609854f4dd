import Foundation
import GRDB

/// One attempt to deliver a VM's callback (the VM builder service's `callback_url`): what was sent, when, and how it
/// ended. A VM generation (each creation or re-creation of the machine) gets at most one delivered callback.
public struct CallbackDelivery: Sendable, Hashable, CatalogRecord, MutablePersistableRecord {
    public static let databaseTableName = "vm_callback"

    /// Why the callback was sent.
    public enum Event: String, Sendable, Hashable, Codable, TextColumn {
        /// The guest is up (ready).
        case ready
        /// The machine failed, or missed its boot deadline.
        case failed
    }

    public var id: Int64?
    public var vmName: String
    public var vmUuid: String
    public var generation: Int
    public var url: String
    public var event: Event
    /// 1 for the first try of this generation, 2 for the next …
    public var attempt: Int
    public var at: Date
    /// The HTTP status, when the listener answered.
    public var httpStatus: Int?
    /// Why it did not get through (refused URL, timeout, connection error).
    public var error: String?
    /// A 2xx answer: no further call for this generation, ever.
    public var delivered: Bool
    /// The URL (or a redirect) was refused by the address rules: retrying cannot help.
    public var refused: Bool
    /// Whether the attempt's outcome was recorded. The attempt is written before the POST and completed after it, so
    /// one left unfinished (Kiln stopped in between) may have been delivered: no further call is made for that
    /// generation, which keeps "at most once".
    public var finished: Bool

    public init(
        id: Int64? = nil, vmName: String, vmUuid: String, generation: Int, url: String, event: Event, attempt: Int,
        at: Date, httpStatus: Int? = nil, error: String? = nil, delivered: Bool = false, refused: Bool = false,
        finished: Bool = false
    ) {
        self.id = id
        self.vmName = vmName
        self.vmUuid = vmUuid
        self.generation = generation
        self.url = url
        self.event = event
        self.attempt = attempt
        self.at = at
        self.httpStatus = httpStatus
        self.error = error
        self.delivered = delivered
        self.refused = refused
        self.finished = finished
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
