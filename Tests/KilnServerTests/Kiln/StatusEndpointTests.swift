import Foundation
import Hummingbird
import HummingbirdTesting
import KilnServer
import Testing

/// `GET /kiln/v1/status/{kind}/{name}`: one object's status document, as `kiln get -o json` prints it.
@Suite struct StatusEndpointTests {
    static func status(_ path: String, tokens: [String] = []) async throws -> (HTTPResponse.Status, [String: Any]) {
        let server = try await TestServer.make(tokens: tokens)
        let response = try await server.withClient { client in try await client.execute(uri: path, method: .get) }
        #expect(response.headers[.contentType] == "application/json")
        return (response.status, try response.json())
    }

    static func expectHeader(
        _ document: [String: Any], kind: String, name: String, source: String, ready: String
    ) throws {
        #expect(document["apiVersion"] as? String == "kiln.dev/v1")
        #expect(document["kind"] as? String == kind)
        #expect(document["name"] as? String == name)
        #expect(document["source"] as? String == source)
        #expect(document["observedRevision"] as? String == SpecFixture.revision.id)
        let conditions = try #require(document["conditions"] as? [[String: Any]])
        let readyCondition = try #require(conditions.first { $0["type"] as? String == "Ready" })
        #expect(readyCondition["status"] as? String == ready)
        #expect(readyCondition["lastTransitionTime"] as? String == "2026-01-01T00:00:00Z")
    }

    @Test func aBuildShowsItsExecutionsNewestFirstWithTheirVirtualImages() async throws {
        let (status, build) = try await Self.status("/kiln/v1/status/imagebuild/busybox")
        #expect(status == .ok)
        try Self.expectHeader(
            build, kind: "ImageBuild", name: "busybox", source: "builds/busybox.yaml:3", ready: "False")
        let conditions = try #require(build["conditions"] as? [[String: Any]])
        #expect(conditions.map { $0["type"] as? String } == ["Ready", "Reconciling"])
        #expect(build["executionCount"] as? Int == 3)

        let executions = try #require(build["executions"] as? [[String: Any]])
        #expect(executions.map { $0["buildNumber"] as? Int } == [3, 2, 1])
        #expect(executions.map { $0["status"] as? String } == ["running", "failed", "success"])
        let lastResult = try #require(build["lastResult"] as? [String: Any])
        #expect(lastResult["buildNumber"] as? Int == 3)
        #expect(lastResult["statusPercent"] as? Double == 40)
        #expect(lastResult["statusEta"] as? Double == 57)
        #expect(lastResult["statusMessage"] as? String == "provision: install")
        #expect(lastResult["endDate"] is NSNull)
        #expect((lastResult["createdBy"] as? [String: Any])?["username"] as? String == "Ada Lovelace")

        let failed = executions[1]
        #expect(failed["errorMessage"] as? String == "script install exited with status 2")
        #expect((failed["virtualImages"] as? [Any])?.isEmpty == true)

        let success = executions[2]
        #expect(success["startDate"] as? String == "2026-01-01T00:00:00Z")
        #expect(success["endDate"] as? String == "2026-01-01T00:01:35Z")
        let images = try #require(success["virtualImages"] as? [[String: Any]])
        #expect(images.map { $0["format"] as? String } == ["qcow2", "vmdk"])
        #expect(images.map { $0["name"] as? String } == ["busybox-1", "busybox-1"])
        #expect(images.map { $0["size"] as? Int } == [20_971_520, 31_457_280])
        #expect(images[0]["sha256"] as? String == String(repeating: "a", count: 64))
        #expect(images[0]["path"] as? String == "/var/lib/kiln/artifacts/busybox/1/busybox-1.qcow2")
        #expect(images.allSatisfy { ($0["id"] as? Int ?? 0) > 0 })
    }

    /// A spec's secrets are references (`fromEnv`, `fromFile`), and even those are masked in answers.
    @Test func secretsInTheSpecAreMasked() async throws {
        let (status, build) = try await Self.status("/kiln/v1/status/imagebuild/busybox")
        #expect(status == .ok)
        let spec = try #require(build["spec"] as? [String: Any])
        #expect(spec["sshUsername"] as? String == "root")
        #expect(spec["sshPassword"] as? String == "************")
        let script = try #require((spec["scripts"] as? [[String: Any]])?.first)
        #expect((script["secretEnv"] as? [String: Any])?["API_KEY"] as? String == "************")
        let text = try JSONSerialization.data(withJSONObject: build)
        #expect(!String(decoding: text, as: UTF8.self).contains("KILN_X"))
        #expect(!String(decoding: text, as: UTF8.self).contains("api-key"))
    }

    @Test func anImageShowsWhatItResolvedTo() async throws {
        let (status, image) = try await Self.status("/kiln/v1/status/image/busybox")
        #expect(status == .ok)
        try Self.expectHeader(image, kind: "Image", name: "busybox", source: "images/busybox.yaml:3", ready: "True")
        #expect(image["state"] as? String == "ACTIVE")
        #expect(image["version"] as? Int == 2)
        #expect(image["format"] as? String == "qcow2")
        #expect(image["path"] as? String == "/var/lib/kiln/artifacts/busybox/1/busybox-1.qcow2")
        #expect(image["sha256"] as? String == String(repeating: "a", count: 64))
        #expect((image["spec"] as? [String: Any])?["osType"] as? String == "linux")
    }

    @Test func aRunningVMShowsItsMachine() async throws {
        let (status, vm) = try await Self.status("/kiln/v1/status/virtualmachine/hello-1")
        #expect(status == .ok)
        try Self.expectHeader(vm, kind: "VirtualMachine", name: "hello-1", source: "vms/hello-1.yaml:3", ready: "True")
        #expect(vm["id"] as? String == "6f1c7d2e-8a4b-4c3d-9e5f-0a1b2c3d4e5f")
        #expect(vm["status"] as? String == "powered-on")
        #expect(vm["image"] as? String == "busybox")
        #expect(vm["cpus"] as? Int == 2)
        #expect(vm["memory"] as? String == "256.0mib")
        #expect(vm["networkType"] as? String == "nat")
        #expect(vm["launchGui"] as? Bool == false)
        #expect(vm["powerState"] as? String == "running")
        #expect(vm["ipAddress"] as? String == "10.0.2.15")
        #expect(vm["guestOs"] as? String == "linux")
        #expect(vm["toolsInitTimeout"] as? String == "30s")
        #expect(vm["error"] == nil)
    }

    @Test func aFailedVMShowsItsErrorAndItsURLImage() async throws {
        let (status, vm) = try await Self.status("/kiln/v1/status/virtualmachine/hello-2")
        #expect(status == .ok)
        try Self.expectHeader(vm, kind: "VirtualMachine", name: "hello-2", source: "vms/hello-2.yaml:3", ready: "False")
        #expect(vm["status"] as? String == "failed")
        let image = try #require(vm["image"] as? [String: Any])
        #expect(image["url"] as? String == "https://images.example.org/disk.qcow2")
        #expect(image["checksum_type"] as? String == "sha256")
        #expect(image["checksum"] as? String == "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
        let error = try #require(vm["error"] as? [String: Any])
        #expect(error["code"] as? String == "image-download-failed")
        #expect(error["message"] as? String == "https://images.example.org/disk.qcow2: 404 Not Found")
        #expect(vm["ipAddress"] as? String == "")
    }

    /// The kind is matched without regard to case: `ImageBuild` as in documents, `imagebuild` as on the command line.
    @Test(arguments: ["ImageBuild", "imagebuild", "IMAGEBUILD"])
    func theKindIsCaseInsensitive(kind: String) async throws {
        let (status, build) = try await Self.status("/kiln/v1/status/\(kind)/busybox")
        #expect(status == .ok)
        #expect(build["kind"] as? String == "ImageBuild")
    }

    @Test(arguments: [
        ("imagebuild", "image-build-not-found", "ImageBuild"), ("image", "image-not-found", "Image"),
        ("virtualmachine", "vm-not-found", "VirtualMachine")
    ])
    func anUnknownObjectIs404NamingIt(kind: String, code: String, kindName: String) async throws {
        let (status, error) = try await Self.status("/kiln/v1/status/\(kind)/nope")
        #expect(status == .notFound)
        #expect(error["code"] as? String == code)
        #expect(error["message"] as? String == "no \(kindName) named nope")
        #expect(Set(error.keys) == ["code", "message"])
    }

    @Test func anUnknownKindIs400NamingIt() async throws {
        let (status, error) = try await Self.status("/kiln/v1/status/widget/busybox")
        #expect(status == .badRequest)
        #expect(error["code"] as? String == "bad-request")
        #expect((error["message"] as? String)?.contains("unknown kind widget") == true)
        #expect(Set(error.keys) == ["code", "message"])
    }
}
