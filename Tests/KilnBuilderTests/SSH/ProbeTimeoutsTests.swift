import Testing

@testable import KilnBuilder

/// How long each try for the build VM's SSH server may wait for a banner.
@Suite struct ProbeTimeoutsTests {
    @Test func triesStartShortAndGrowWhileTheGuestHasNoNetwork() {
        var probes = ProbeTimeouts()
        var seen = [probes.next]
        for _ in 0..<60 {
            probes.record(["Connection timed out during banner exchange", "Connection to UNKNOWN port 41973 timed out"])
            seen.append(probes.next)
        }
        #expect(seen.prefix(8) == [5, 5, 5, 6, 6, 6, 7, 7])
        #expect(seen.last == 20)
        #expect(seen.allSatisfy { $0 <= 20 })
    }

    @Test func aGuestThatAnsweredGetsTheFullTimeout() {
        var probes = ProbeTimeouts()
        probes.record(["Connection timed out during banner exchange"])
        probes.record(["kex_exchange_identification: read: Connection reset by peer"])
        #expect(probes.next == 20)
        // A later time-out does not make it short again.
        probes.record(["Connection timed out during banner exchange"])
        #expect(probes.next == 20)
    }
}
