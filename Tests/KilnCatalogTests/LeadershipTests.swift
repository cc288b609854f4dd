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
}
