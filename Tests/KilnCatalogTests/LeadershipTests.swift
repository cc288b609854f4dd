import Foundation
import KilnCatalog
import Testing

/// What the election tells ``Leadership``, and what it answers: the session's start is what the leader judges hosts
/// Lost over, so a change of role keeps it and only a lost session clears it.
@Suite struct LeadershipTests {
    @Test("a takeover keeps the session's start (failover is not delayed); a lost session clears it")
    func sessionSince() throws {
        let leadership = Leadership(host: "a", lease: .seconds(15))
        #expect(leadership.sessionSince == nil && leadership.sessionAge == nil)
        leadership.sessionStarted()
        let since = try #require(leadership.sessionSince)
        leadership.update(.follower(LeaderRecord(host: "b", epoch: 1, since: Date())))
        leadership.update(.leader(LeaderRecord(host: "a", epoch: 2, since: Date())))
        #expect(leadership.sessionSince == since, "taking the lead on the same session keeps its start")
        #expect(leadership.leadingEpoch == 2)
        leadership.update(.disconnected("the session failed"))
        #expect(leadership.sessionSince == nil && leadership.leadingEpoch == nil)
        leadership.sessionStarted()
        #expect(try #require(leadership.sessionSince) > since)
    }

    @Test("without a session the leader has watched nothing: a catalog restart makes no host Lost by its old heartbeat")
    func watchedTime() throws {
        let leadership = Leadership(host: "a", lease: .seconds(15))
        let now = Date()
        var old = CatalogBackends.FleetContractTests.host("b")
        old.heartbeatAt = now.addingTimeInterval(-60)
        let fleet = FleetHosts(hosts: [old], now: now)
        #expect(leadership.watchedTime == .zero)
        #expect(fleet.watched(for: leadership.watchedTime).state(of: old) == .ready)
        leadership.sessionStarted()
        leadership.update(.disconnected("the catalog restarted"))
        #expect(leadership.watchedTime == .zero, "a lost session watched nothing since")
        #expect(fleet.watched(for: leadership.watchedTime).state(of: old) == .ready)
    }

    @Test("a pass's writes carry the epoch it began under, even once this host leads again with a later one")
    func passEpoch() {
        let leadership = Leadership(host: "a", lease: .seconds(15))
        leadership.update(.leader(LeaderRecord(host: "a", epoch: 1, since: Date())))
        Leadership.$passEpoch.withValue(1) {
            leadership.update(.follower(LeaderRecord(host: "b", epoch: 2, since: Date())))
            leadership.update(.leader(LeaderRecord(host: "a", epoch: 3, since: Date())))
            #expect(leadership.fence == 1)
            #expect(leadership.leadingEpoch == 3)
        }
        #expect(leadership.fence == 3, "outside a pass: the latest leadership's epoch")
    }
}
