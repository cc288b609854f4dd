import Foundation
import HTTPTypes
import Hummingbird
import KilnQuery
import KilnSpec
import NIOCore
import ServiceLifecycle

/// `GET /kiln/v1/events`: Server-Sent Events of reconcile passes, object status and execution progress. A client
/// that reconnects with `Last-Event-ID` gets what it missed from the hub's ring; one too far behind gets `reset`.
/// A comment line every `keepAlive` keeps proxies and idle timeouts from cutting a quiet stream.
struct EventsRoute {
    static func add(to router: Router<KilnRequestContext>, hub: EventHub, keepAlive: Duration) {
        router.get("/kiln/v1/events") { request, _ in
            // An empty `Last-Event-ID` is no id at all.
            let lastEventID =
                (request.headers[HTTPField.Name("Last-Event-ID")!]
                ?? (try? QueryParameters(request.uri.query))?["lastEventId"])
                .flatMap { $0.isEmpty ? nil : $0 }
            let subscription = await hub.subscribe(lastEventID: lastEventID)
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            headers[.cacheControl] = "no-cache"
            let body = ResponseBody { writer in
                defer { Task { await hub.unsubscribe(subscription.id) } }
                // Tell browsers how soon to reconnect, then what was missed.
                var opening = "retry: 2000\n\n"
                if subscription.reset {
                    opening += ServerEvent(
                        id: "", sequence: 0, type: "reset",
                        data: .object(["reason": .string("events were missed; reload the state")])
                    ).frame
                        .replacingOccurrences(of: "id: \n", with: "")
                }
                for event in subscription.replay { opening += event.frame }
                try await writer.write(ByteBuffer(string: opening))
                // One stream of frames: the hub's events and a keep-alive comment when the stream is quiet.
                let (frames, frame) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(hub.capacity))
                let pump = Task {
                    for await event in subscription.stream { frame.yield(event.frame) }
                    frame.finish()
                }
                let ticker = Task {
                    while !Task.isCancelled {
                        try await Task.sleep(for: keepAlive)
                        frame.yield(": keep-alive\n\n")
                    }
                }
                defer {
                    pump.cancel()
                    ticker.cancel()
                }
                // A stream has no end of its own: it ends when the client goes or the server shuts down.
                try await withGracefulShutdownHandler {
                    for await text in frames { try await writer.write(ByteBuffer(string: text)) }
                } onGracefulShutdown: {
                    frame.finish()
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: headers, body: body)
        }
    }
}
