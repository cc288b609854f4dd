import Foundation
import Hummingbird
import HummingbirdTesting
import KilnCatalog
import KilnServer
import Testing

/// `/kiln/v1/events` over a real socket: events as they happen, catalog changes turned into events by the read
/// model, and `Last-Event-ID` resume.
@Suite struct EventsStreamTests {
    static func request(_ extra: String = "") -> String {
        "GET /kiln/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\(extra)\r\n"
    }

    @Test func eventsArriveAsTheyHappenAndResumeFromTheRing() async throws {
        let server = try await TestServer.make()
        let app = Application(
            router: server.queryServer.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let connection = try RawHTTPConnection(port: port)
            try await connection.send(Self.request())
            let head = try await connection.read(until: "retry: 2000\n\n")
            #expect(head.contains("200 OK"))
            #expect(head.lowercased().contains("content-type: text/event-stream"))
            let first = await server.events.publish("pass", .object(["actions": .int(2)]))
            let frame = try await connection.read(until: "\n\n")
            #expect(frame.contains("id: \(first.id)\nevent: pass\ndata: {\"actions\":2}"))
            for i in 0..<3 { await server.events.publish("object", .int(i)) }
            // A second client resumes after the first event: it gets the three it missed, in order.
            let resumed = try RawHTTPConnection(port: port)
            try await resumed.send(Self.request("Last-Event-ID: \(first.id)\r\n"))
            let replay = try await resumed.read(until: "data: 2\n\n")
            #expect(replay.contains("data: 0\n\n") && replay.contains("data: 1\n\n"))
            #expect(!replay.contains("event: pass"))
            // One from an earlier run is told to reload.
            let stale = try RawHTTPConnection(port: port)
            try await stale.send(Self.request("Last-Event-ID: 0000.9\r\n"))
            let reset = try await stale.read(until: "event: reset\ndata: ")
            #expect(!reset.contains("data: 0"))
        }
    }

    @Test func catalogChangesBecomeEvents() async throws {
        let fixture = try await CatalogFixture()
        let events = EventHub()
        let model = ReadModel(catalog: fixture.catalog, events: events)
        try await model.refresh()
        let subscription = await events.subscribe(lastEventID: nil)
        var execution = try #require(try await fixture.catalog.state().executions["busybox"]?.last)
        execution.statusPercent = 75
        execution.statusMessage = "convert: qcow2"
        try await fixture.catalog.saveExecution(execution)
        #expect(try await model.refresh())
        var iterator = subscription.stream.makeAsyncIterator()
        let event = try #require(await iterator.next())
        #expect(event.type == "execution")
        #expect(event.data["statusPercent"] == .int(75))
        #expect(event.data["build"] == .string("busybox"))
        // Nothing changed: no rebuild, no event.
        #expect(try await !model.refresh())
    }
}
