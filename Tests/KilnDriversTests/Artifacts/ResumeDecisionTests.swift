import KilnDrivers
import Testing

/// What a fetch asks for and keeps, for every answer a download endpoint can give, without a network.
@Suite struct ResumeDecisionTests {
    @Test func aFirstRequestAsksForTheWholeFileAndAResumedOneFromTheBytesHeld() {
        #expect(ResumeDecision.rangeHeader(partialBytes: 0) == nil)
        #expect(ResumeDecision.rangeHeader(partialBytes: 700_000) == "bytes=700000-")
    }

    @Test func aRangeThatContinuesThePartialFileIsAppended() {
        #expect(
            ResumeDecision.decide(
                partialBytes: 700_000, status: 206, contentRange: "bytes 700000-2097151/2097152",
                contentLength: 1_397_152) == .append(offset: 700_000, total: 2_097_152))
        #expect(
            ResumeDecision.decide(partialBytes: 5, status: 206, contentRange: "bytes 5-9/*", contentLength: 5)
                == .append(offset: 5, total: nil))
    }

    @Test func theWholeFileStartsAgain() {
        // A first request, a server that ignores Range, or an If-Range that no longer matched.
        #expect(
            ResumeDecision.decide(partialBytes: 0, status: 200, contentRange: nil, contentLength: 10)
                == .restart(total: 10))
        #expect(
            ResumeDecision.decide(partialBytes: 700, status: 200, contentRange: nil, contentLength: nil)
                == .restart(total: nil))
    }

    @Test func aRangeThatDoesNotContinueItIsDropped() {
        guard
            case .discard(let reason) = ResumeDecision.decide(
                partialBytes: 700, status: 206, contentRange: "bytes 0-99/1000", contentLength: 100)
        else {
            Issue.record("a range from byte 0 must not be appended to 700 bytes")
            return
        }
        #expect(reason.contains("from 700") && reason.contains("starts at 0"))
        for header in [nil, "bytes */1000", "items 700-999/1000", "bytes 900-800/1000", "bytes 700-999"] {
            guard
                case .discard = ResumeDecision.decide(
                    partialBytes: 700, status: 206, contentRange: header, contentLength: 300)
            else {
                Issue.record("Content-Range \(header ?? "none") must not be trusted")
                continue
            }
        }
    }

    @Test func allBytesHeldAlreadyIsComplete() {
        // A cut after the last byte: the server says nothing is left past the end.
        #expect(
            ResumeDecision.decide(partialBytes: 1000, status: 416, contentRange: "bytes */1000", contentLength: 0)
                == .complete)
        guard
            case .discard = ResumeDecision.decide(
                partialBytes: 1200, status: 416, contentRange: "bytes */1000", contentLength: 0)
        else {
            Issue.record("more bytes than the file has are not a prefix of it")
            return
        }
    }

    @Test func refusalsAndErrorsFail() {
        for status in [401, 403, 404, 500, 503] {
            #expect(
                ResumeDecision.decide(partialBytes: 0, status: status, contentRange: nil, contentLength: nil)
                    == .fail(status: status))
        }
    }
}
