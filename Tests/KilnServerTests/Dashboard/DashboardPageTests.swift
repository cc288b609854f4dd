import Foundation
import KilnCatalog
import KilnSpec
import Testing

@testable import KilnServer

/// The dashboard's page model, built from a snapshot without HTTP.
@Suite struct DashboardPageTests {
    let fixture: CatalogFixture
    let page: DashboardPage
    let snapshot: ReadSnapshot

    init() async throws {
        fixture = try await DashboardFixture.catalog()
        snapshot = try await DashboardFixture.snapshot(fixture.catalog)
        page = DashboardPage(snapshot: snapshot)
    }

    @Test func attentionListsWhatIsNotReadyWhatNeedsAPersonFirst() {
        #expect(
            page.attention.map { "\($0.kind)/\($0.name)" } == [
                "ImageBuild/alpine", "VirtualMachine/hello-2", "ImageBuild/busybox"
            ])
        #expect(page.attention.map(\.badge.tone) == ["bad", "bad", "busy"])
        #expect(page.attention[0].badge.text == "BuildFailed")
        #expect(page.attention[0].links.anchor == "build-alpine")
        #expect(page.attention[1].links.lineage == "/ui/lineage/virtualmachine/hello-2")
        #expect(page.hasAttention)
        #expect(page.objectCount == 5 && page.readyCount == 2)
        #expect(page.running == 1)
    }

    @Test func syncShowsTheAppliedCommitAndTheRefusedOneWithItsErrors() throws {
        let sync = page.sync
        #expect(sync.applied?.short == "1f0c2a9e")
        #expect(sync.applied?.author == "Ada Lovelace")
        #expect(sync.applied?.message == "Add busybox")
        #expect(sync.applied?.at?.iso == "2026-01-01T00:00:00Z")
        #expect(sync.seen?.id == CatalogFixture.refusedCommit)
        #expect(sync.behind)
        let refused = try #require(sync.refused)
        #expect(refused.commit.short == "8badf00d")
        #expect(refused.commit.author == "Charles Babbage")
        #expect(refused.reason == "a spec in it is invalid")
        #expect(
            refused.problems == [
                .init(place: "builds/busybox.yaml:12:7", field: "spec.keepResults", message: "must be 0 or more"),
                .init(place: "vms/hello-1.yaml:5:9", field: "spec.cpus", message: "must be between 1 and 64")
            ])
    }

    @Test func aBuildListsItsExecutionsNewestFirstWithProgressWhileRunning() throws {
        let busybox = try #require(page.builds.first { $0.name == "busybox" })
        #expect(busybox.executions.map(\.number) == [3, 2, 1])
        #expect(busybox.badge.tone == "busy")
        let running = busybox.executions[0]
        #expect(running.key == "busybox#3")
        #expect(running.active && running.percent == 40 && running.eta == "57 s")
        #expect(running.message == "provision: install")
        #expect(running.tone == "busy")
        let failed = busybox.executions[1]
        #expect(!failed.active && failed.eta == nil && failed.tone == "bad")
        #expect(failed.error == "script install exited with status 2")
        #expect(failed.duration == "1 min")
        let success = busybox.executions[2]
        #expect(success.duration == "1 min 35 s")
        #expect(success.artifacts.map(\.format) == ["qcow2", "vmdk"])
        #expect(success.artifacts.map(\.size) == ["20 MiB", "30 MiB"])
        #expect(success.artifacts[0].href == "/kiln/v1/image-builds/busybox/executions/1/artifacts/busybox-1.qcow2")
        #expect(success.log == "/api/image-builds/busybox/executions/1/log")
        #expect(busybox.formats == "qcow2, vmdk")
        #expect(busybox.older == 0)

        let alpine = try #require(page.builds.first { $0.name == "alpine" })
        #expect(alpine.badge.tone == "bad" && alpine.badge.message.contains("apk: not found"))
        #expect(alpine.executions.map(\.status) == ["failed"])
    }

    @Test func aBuildCardShowsItsNewestExecutionsOnly() async throws {
        let catalog = fixture.catalog
        let build = try #require(try await catalog.state(of: [.builds]).builds["alpine"])
        for _ in 0..<6 {
            var e = try await catalog.newExecution(
                ExecutionRecord(
                    buildName: build.name, buildNumber: 0, createdBy: "Grace Hopper", revision: build.revision,
                    specRoot: "",
                    spec: build.spec, inputsHash: "x", runToken: nil, logPath: "", reason: "a new run token",
                    createdAt: CatalogFixture.at))
            e.status = .success
            try await catalog.finishExecution(e, images: [])
        }
        let card = try #require(
            DashboardPage(snapshot: try await DashboardFixture.snapshot(catalog)).builds.first { $0.name == "alpine" })
        #expect(card.executions.map(\.number) == [7, 6, 5, 4, 3])
        #expect(card.executionCount == 7 && card.older == 2)
    }

    @Test func anImageListsEveryFormatOfItsExecutionWithSizesAndADownload() throws {
        let image = try #require(page.images.first)
        #expect(image.name == "busybox")
        #expect(image.state == "ACTIVE" && image.stateTone == "ok" && image.version == 2)
        #expect(
            image.formats.map { "\($0.format) \($0.size) \($0.current)" } == ["qcow2 20 MiB true", "vmdk 30 MiB false"])
        #expect(image.size == "20 MiB")
        #expect(image.download == "/kiln/v1/images/busybox/download")
        #expect(image.origin == "build busybox (qcow2)")
        #expect(image.os == "linux · x86_64")
        #expect(image.sha256Short == "aaaaaaaaaaaa…")
    }

    @Test func aVMShowsItsStatusAddressGuestAndImage() throws {
        let running = try #require(page.vms.first { $0.name == "hello-1" })
        #expect(running.status == "powered-on" && running.statusTone == "ok")
        #expect(running.ip == "10.0.2.15" && running.guestOs == "linux")
        #expect(running.image == "busybox" && running.imageAnchor == "image-busybox")
        #expect(running.size == "2 vCPU · 256 MiB")
        #expect(running.links.status == "/kiln/v1/status/virtualmachine/hello-1")
        let failed = try #require(page.vms.first { $0.name == "hello-2" })
        #expect(failed.statusTone == "bad" && failed.ip == nil)
        #expect(failed.error == "image-download-failed: https://images.example.org/disk.qcow2: 404 Not Found")
        #expect(failed.imageAnchor == nil)
    }

    @Test func anEmptyCatalogSaysSo() {
        let empty = DashboardPage(snapshot: .empty)
        #expect(empty.empty && !empty.hasAttention && empty.builds.isEmpty)
        #expect(empty.sync.neverSynced && empty.sync.applied == nil && empty.sync.refused == nil)
    }

    @Test func lineageWalksFromTheBuildToTheVMsOnItsImage() throws {
        let image = try #require(LineagePage(.image, "busybox", snapshot: snapshot))
        #expect(image.upstream.map(\.type) == ["spec", "execution", "artifact"])
        #expect(image.upstream[0].href == "/ui/lineage/imagebuild/busybox")
        #expect(image.upstream[1].title == "busybox #1" && image.upstream[1].status == "success")
        #expect(image.upstream[2].href == "/kiln/v1/image-builds/busybox/executions/1/artifacts/busybox-1.qcow2")
        #expect(image.here.map(\.title) == ["busybox"] && image.here[0].current)
        #expect(image.downstream.map(\.title) == ["hello-1"])
        #expect(image.downstream[0].href == "/ui/lineage/virtualmachine/hello-1")

        let build = try #require(LineagePage(.imageBuild, "busybox", snapshot: snapshot))
        #expect(build.upstream.map(\.type) == ["commit", "spec"])
        #expect(build.upstream[1].current && build.upstream[1].href == nil)
        #expect(build.executions.map(\.title) == ["busybox #3", "busybox #2", "busybox #1"])
        #expect(build.executions[2].children.map(\.title) == ["qcow2 · 20 MiB", "vmdk · 30 MiB"])
        #expect(build.downstream.map(\.type) == ["image", "vm"])

        let vm = try #require(LineagePage(.virtualMachine, "hello-1", snapshot: snapshot))
        #expect(vm.upstream.map(\.type) == ["spec", "execution", "artifact", "image"])
        #expect(vm.here.first?.title == "hello-1" && vm.badge.ready)
        #expect(LineagePage(.virtualMachine, "nope", snapshot: snapshot) == nil)
    }
}
