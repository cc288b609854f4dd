import Testing

@testable import KilnCLI

/// The event-stream reader, fed the way a network delivers bytes: in any pieces.
@Suite struct ServerSentEventsTests {
    static let stream =
        "retry: 2000\n\n: keep-alive\n\nid: a.1\nevent: execution\ndata: {\"x\":1}\n\n"
        + "event: reset\ndata: {\"reason\":\"missed\"}\n\nid: a.3\ndata: line one\ndata: line two\n\n"

    static let expected = [
        ServerSentEvents.Event(id: "a.1", type: "execution", data: "{\"x\":1}"),
        ServerSentEvents.Event(id: "a.1", type: "reset", data: "{\"reason\":\"missed\"}"),
        ServerSentEvents.Event(id: "a.3", type: "message", data: "line one\nline two")
    ]

    @Test(arguments: [1, 2, 3, 7, 1000])
    func eventsComeOutWhateverTheChunksAre(_ size: Int) {
        var reader = ServerSentEvents()
        var events: [ServerSentEvents.Event] = []
        let bytes = Array(Self.stream.utf8)
        for start in stride(from: 0, to: bytes.count, by: size) {
            events += reader.feed(bytes[start..<min(bytes.count, start + size)])
        }
        #expect(events == Self.expected)
        #expect(reader.lastEventID == "a.3")
    }

    @Test func crlfAndCrEndLinesToo() {
        var reader = ServerSentEvents()
        var events = reader.feed(Array("event: pass\r\ndata: {}\r".utf8))
        #expect(events.isEmpty, "a CR at the end may be half a CRLF")
        events += reader.feed(Array("\n\r\n".utf8))
        events += reader.feed(Array("data: a\r\rdata:b\n\n".utf8))
        #expect(
            events == [
                .init(id: nil, type: "pass", data: "{}"), .init(id: nil, type: "message", data: "a"),
                .init(id: nil, type: "message", data: "b")
            ])
    }

    @Test func anEventWithoutDataIsNotDispatched() {
        var reader = ServerSentEvents()
        #expect(reader.feed(Array("event: object\n\nid: 1\n\n".utf8)).isEmpty)
    }
}
