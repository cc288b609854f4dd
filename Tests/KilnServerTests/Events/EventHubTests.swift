import KilnSpec
import Testing

@testable import KilnServer

/// The event ring and `Last-Event-ID` resume.
@Suite struct EventHubTests {
    @Test func aSubscriberResumesAfterTheLastEventItSaw() async {
        let hub = EventHub(capacity: 8)
        var ids: [String] = []
        for i in 1...5 { ids.append(await hub.publish("pass", .int(i)).id) }
        let subscription = await hub.subscribe(lastEventID: ids[1])
        #expect(!subscription.reset)
        #expect(subscription.replay.map(\.data) == [.int(3), .int(4), .int(5)])
        let live = await hub.subscribe(lastEventID: ids[4])
        #expect(live.replay.isEmpty)
        #expect(!live.reset)
        await hub.publish("object", .string("next"))
        var iterator = live.stream.makeAsyncIterator()
        #expect(await iterator.next()?.data == .string("next"))
    }

    @Test func aClientTooFarBehindOrFromAnotherRunIsReset() async {
        let hub = EventHub(capacity: 3)
        let first = await hub.publish("pass", .int(1)).id
        for i in 2...10 { await hub.publish("pass", .int(i)) }
        #expect(await hub.subscribe(lastEventID: first).reset)
        #expect(await hub.subscribe(lastEventID: "deadbeef.4").reset)
        #expect(await hub.subscribe(lastEventID: "garbage").reset)
        #expect(await hub.buffered.map(\.data) == [.int(8), .int(9), .int(10)])
        // A fresh client gets no replay, and no reset.
        let fresh = await hub.subscribe(lastEventID: nil)
        #expect(fresh.replay.isEmpty && !fresh.reset)
    }

    @Test func unsubscribingEndsTheStream() async {
        let hub = EventHub()
        let subscription = await hub.subscribe(lastEventID: nil)
        #expect(await hub.subscriberCount == 1)
        await hub.unsubscribe(subscription.id)
        #expect(await hub.subscriberCount == 0)
        var iterator = subscription.stream.makeAsyncIterator()
        #expect(await iterator.next() == nil)
    }

    @Test func framesAreServerSentEvents() {
        let event = ServerEvent(
            id: "ab.7", sequence: 7, type: "execution", data: .object(["b": .int(1), "a": .string("x\ny")]))
        #expect(event.frame == "id: ab.7\nevent: execution\ndata: {\"a\":\"x\\ny\",\"b\":1}\n\n")
    }
}
