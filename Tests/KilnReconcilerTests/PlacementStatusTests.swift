import Foundation
import KilnCatalog
import KilnPlanner
import KilnSpec
import Testing

@testable import KilnReconciler

/// What a VM's status says of its placement in a fleet (issue 13): its host and why, and the planner's placement notes
/// as conditions (a VM that fits nowhere is Pending, Unschedulable; a placement.host the fleet lacks is stalled).
@Suite struct PlacementStatusTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    static func vm(host: String? = nil, reason: String? = nil) -> VMRecord {
        var record = VMRecord(
            name: "v", uuid: "u", spec: .object(["image": .string("i"), "powerState": .string("running")]),
            specHash: "s", contentHash: "c", revision: "r", file: "vms.yaml", line: 1, createdAt: now, updatedAt: now)
        record.host = host
        record.placementReason = reason
        return record
    }

    @Test func unschedulableIsPendingWithTheFigures() {
        let message = "needs 8 GiB memory, largest free 6 GiB on b"
        let health = HealthRules.vm(Self.vm(), notes: [Note(.unschedulable, message)], failure: nil, now: Self.now)
        #expect(!health.ready && health.reason == "Unschedulable" && health.message == message)
        #expect(health.reconciling?.reason == "Pending" && health.stalled == nil)
    }

    @Test func anUnknownHostIsStalledNotWaitedFor() {
        let message = "placement.host c is not a host of the fleet (hosts: a, b)"
        let health = HealthRules.vm(Self.vm(), notes: [Note(.unknownHost, message)], failure: nil, now: Self.now)
        #expect(!health.ready && health.reason == "UnknownHost" && health.stalled?.message == message)
    }

    @Test func aVMPlacedElsewhereShowsWhatItsRecordSays() {
        var record = Self.vm(host: "b")
        record.vmStatus = .poweredOn
        record.guestReady = true
        let health = HealthRules.vm(
            record, notes: [Note(.placedElsewhere, "placed on host b; that host runs it")], failure: nil, now: Self.now)
        #expect(health.ready && health.reason == "Running")
    }

    @Test func theStatusDocumentNamesTheHostAndWhy() {
        let reason = "HostLost: a was lost (no heartbeat within its lease); moved to b"
        let placed = Dictionary(
            StatusDocument.vm(Self.vm(host: "b", reason: reason), notes: [], now: Self.now),
            uniquingKeysWith: { a, _ in a })
        #expect(placed["host"] == .string("b") && placed["placementReason"] == .string(reason))
        let single = Dictionary(StatusDocument.vm(Self.vm(), notes: [], now: Self.now), uniquingKeysWith: { a, _ in a })
        #expect(single["host"] == .null && single["placementReason"] == nil)
    }
}
