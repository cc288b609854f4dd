import Foundation
import KilnCatalog
import KilnServer
import Testing

/// The read model re-reads only what moved, and only when something did.
@Suite struct ReadModelTests {
    @Test func aRefreshWithoutChangesKeepsTheSnapshot() async throws {
        let fixture = try await CatalogFixture()
        let model = ReadModel(catalog: fixture.catalog)
        #expect(try await model.refresh())
        let first = model.snapshot
        #expect(try await !model.refresh())
        #expect(model.snapshot === first)
    }

    @Test func aChangeToOneTableReadsThatTableAndKeepsTheRest() async throws {
        let fixture = try await CatalogFixture()
        let model = ReadModel(catalog: fixture.catalog)
        try await model.refresh()
        let before = model.snapshot
        var vm = try #require(try await fixture.catalog.vm("hello-1"))
        vm.guestOs = "debian"
        _ = try await fixture.catalog.saveVM(vm)
        #expect(try await model.refresh())
        let after = model.snapshot
        #expect(after.generation == before.generation + 1)
        #expect(after.vm(named: "hello-1")?.guestOs == "debian")
        #expect(after.builds == before.builds)
        #expect(after.images == before.images)
    }

    @Test func everyObjectIsFoundByItsIds() async throws {
        let fixture = try await CatalogFixture()
        let model = ReadModel(catalog: fixture.catalog)
        try await model.refresh()
        let snapshot = model.snapshot
        let build = try #require(snapshot.build(named: "busybox"))
        #expect(snapshot.build(idOrName: String(build.id!))?.name == "busybox")
        #expect(snapshot.build(idOrName: "busybox")?.id == build.id)
        #expect(snapshot.image(mwsId: StableID.mws("busybox"))?.name == "busybox")
        #expect(snapshot.vm(uuid: "6f1c7d2e-8a4b-4c3d-9e5f-0a1b2c3d4e5f")?.name == "hello-1")
    }

    @Test func stableIdsAreStableAndShaped() {
        #expect(StableID.mws("busybox") == StableID.mws("busybox"))
        #expect(StableID.mws("busybox") != StableID.mws("busybox2"))
        #expect(StableID.mws("x").count == 24)
        #expect((1...Int(Int32.max)).contains(StableID.integer("site", "web")))
    }

    @Test func aCatalogThatCannotBeReadLeavesTheLastSnapshotAndSaysSo() async throws {
        let model = ReadModel(catalog: FailingCatalog())
        await #expect(throws: (any Error).self) { try await model.refresh() }
        #expect(model.snapshot.generation == 0)
        #expect(model.staleReason?.contains("could not be read") == true)
    }
}
