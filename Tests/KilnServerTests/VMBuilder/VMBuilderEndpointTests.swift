import Foundation
import Hummingbird
import HummingbirdTesting
import KilnServer
import Testing

/// The VM builder service: `/vms` and `/vms/{id or name}` in the seed's shape, with its error codes.
@Suite struct VMBuilderEndpointTests {
    static func get(_ server: TestServer, _ uri: String) async throws -> TestResponse {
        try await server.withClient { try await $0.execute(uri: uri, method: .get) }
    }

    @Test func theListIsABareArraySortedByName() async throws {
        let server = try await TestServer.make()
        let response = try await Self.get(server, "/vms")
        #expect(response.status == .ok)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [[String: Any]])
        #expect(list.compactMap { $0["name"] as? String } == ["hello-1", "hello-2"])
        let running = try await Self.get(server, "/vms?status=powered-on")
        let filtered = try #require(try JSONSerialization.jsonObject(with: Data(running.text.utf8)) as? [[String: Any]])
        #expect(filtered.compactMap { $0["name"] as? String } == ["hello-1"])
    }

    @Test func oneVMByUUIDOrNameInTheSeedsShape() async throws {
        let server = try await TestServer.make()
        let byName = try await Self.get(server, "/vms/hello-1")
        let vm = try byName.json()
        let id = try #require(vm["id"] as? String)
        #expect(id == "6f1c7d2e-8a4b-4c3d-9e5f-0a1b2c3d4e5f")
        let byId = try await Self.get(server, "/vms/\(id)")
        #expect(try byId.json()["name"] as? String == "hello-1")
        #expect(vm["cpus"] as? Int == 2)
        #expect(vm["memory"] as? String == "256.0mib")
        #expect(vm["network_type"] as? String == "nat")
        #expect(vm["launch_gui"] as? Bool == false)
        #expect(vm["ip_address"] as? String == "10.0.2.15")
        #expect(vm["status"] as? String == "powered-on")
        #expect(vm["guest_os"] as? String == "linux")
        #expect(vm["tools_init_timeout"] as? Int == 30)
        // On a Kiln Image: the image's download URL and its sha256.
        let image = try #require(vm["image"] as? [String: Any])
        #expect(image["url"] as? String == "http://localhost/kiln/v1/images/busybox/download")
        #expect(image["checksum"] as? String == String(repeating: "a", count: 64))
        #expect(image["checksum_type"] as? String == "sha256")
    }

    @Test func aVMFromAURLShowsThatURL() async throws {
        let server = try await TestServer.make()
        let vm = try await Self.get(server, "/vms/hello-2").json()
        let image = try #require(vm["image"] as? [String: Any])
        #expect(image["url"] as? String == "https://images.example.org/disk.qcow2")
        #expect(image["checksum_type"] as? String == "sha256")
        #expect(vm["status"] as? String == "failed")
        #expect(vm["ip_address"] as? String == "")
    }

    @Test func errorsUseTheServicesCodes() async throws {
        let server = try await TestServer.make()
        let missing = try await Self.get(server, "/vms/nope")
        #expect(missing.status == .notFound)
        #expect(try missing.json()["code"] as? String == "vm-not-found")
        let bad = try await Self.get(server, "/vms?status=exploded")
        #expect(bad.status == .badRequest)
        #expect(try bad.json()["code"] as? String == "bad-request")
        var deleting = try #require(try await server.fixture.catalog.vm("hello-1"))
        deleting.vmStatus = .deleting
        _ = try await server.fixture.catalog.saveVM(deleting)
        try await server.refresh()
        let conflict = try await Self.get(server, "/vms/hello-1")
        #expect(conflict.status == .conflict)
        #expect(try conflict.json()["code"] as? String == "conflict")
    }
}
