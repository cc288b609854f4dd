import Foundation
import KilnCatalog
import KilnSpec
import Testing

@testable import KilnServer

/// What `GET /kiln/v1/hosts` and `kiln get hosts` say of each host, from the hosts table, the VMs and the claimed
/// work: its state, the VMs placed on it, the builds it runs and the load they put on it.
@Suite struct FleetStatusTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func host(_ name: String, beat secondsAgo: Double) -> HostRecord {
        HostRecord(
            name: name, address: "http://198.18.0.1:8080", cpus: 8, memoryBytes: 16 << 30, diskFreeBytes: 1 << 30,
            kvm: true, labels: ["zone=a"], version: "t", dataDir: "/d/\(name)", leaseSeconds: 15,
            startedAt: now.addingTimeInterval(-3600), heartbeatAt: now.addingTimeInterval(-secondsAgo))
    }

    static func vm(_ name: String, on host: String?, cpus: Int, memory: String) -> VMRecord {
        var vm = VMRecord(
            name: name, uuid: "u-\(name)", spec: .object(["cpus": .int(cpus), "memory": .string(memory)]),
            specHash: "s", contentHash: "c", revision: "r", file: "vms/\(name).yaml", line: 1, createdAt: now,
            updatedAt: now)
        vm.host = host
        return vm
    }

    static func build(_ name: String, number: Int, on host: String?, state: WorkRecord.State) -> WorkRecord {
        WorkRecord(
            kind: .runExecution, object: ObjectKey(.imageBuild, name), workKey: "RunExecution #\(number)",
            detail: .object(["execution": .int(number), "buildNumber": .int(number)]), cpus: 1,
            memoryBytes: 1 << 30, state: state, holder: host, createdAt: now)
    }

    @Test("each host: Ready or Lost, its VMs, the builds it runs, and the CPUs and memory they take")
    func documents() throws {
        let fleet = FleetHosts(hosts: [Self.host("a", beat: 2), Self.host("b", beat: 60)], now: Self.now)
        let vms = [
            Self.vm("web", on: "a", cpus: 2, memory: "2gib"), Self.vm("db", on: "a", cpus: 1, memory: "512mib"),
            Self.vm("cache", on: "b", cpus: 1, memory: "1gib"), Self.vm("huge", on: nil, cpus: 64, memory: "1tib")
        ]
        let claims = [
            Self.build("app", number: 3, on: "a", state: .claimed),
            Self.build("base", number: 7, on: "b", state: .claimed)
        ]
        let documents = FleetStatus.hostDocuments(
            fleet, leader: LeaderRecord(host: "a", epoch: 2, since: Self.now), vms: vms, claims: claims)
        let a = try #require(documents.first { $0["name"]?.string == "a" })
        let b = try #require(documents.first { $0["name"]?.string == "b" })
        #expect(a["state"]?.string == "Ready" && a["leader"] == .bool(true))
        #expect(b["state"]?.string == "Lost" && b["leader"] == .bool(false))
        #expect(a["vms"] == .list([.string("db"), .string("web")]))
        #expect(a["builds"] == .list([.string("app #3")]))
        #expect(b["builds"] == .list([.string("base #7")]))
        // a: 2 + 1 VM CPUs and 1 build CPU; 2 GiB + 512 MiB of VMs and 1 GiB of build.
        #expect(a["load"]?["cpus"]?.int == 4)
        #expect(a["load"]?["memoryBytes"]?.int == (2 << 30) + (512 << 20) + (1 << 30))
        #expect(b["load"]?["cpus"]?.int == 2 && b["load"]?["memoryBytes"]?.int == 2 << 30)
    }
}
