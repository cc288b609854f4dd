import Foundation
import KilnSpec

/// Fans events out to every `/kiln/v1/events` client and keeps the newest ones in a bounded ring, so that a client
/// that reconnects with `Last-Event-ID` gets what it missed. A client too far behind (or from an earlier server run)
/// gets a `reset` event: reload everything, then follow.
public actor EventHub {
    /// What a new subscriber gets: the events it missed, then the live stream.
    public struct Subscription: Sendable {
        public var replay: [ServerEvent]
        /// True when the events after `Last-Event-ID` are no longer all in the ring.
        public var reset: Bool
        public var stream: AsyncStream<ServerEvent>
        public var id: UUID
    }

    public let capacity: Int
    let boot: String
    private var ring: [ServerEvent] = []
    private var head = 0
    private var nextSequence: UInt64 = 1
    private var subscribers: [UUID: AsyncStream<ServerEvent>.Continuation] = [:]

    public init(capacity: Int = 1024) {
        self.capacity = max(1, capacity)
        boot = String(UInt32.random(in: 0x1000_0000...UInt32.max), radix: 16)
    }

    /// Publishes an event to every subscriber and keeps it in the ring.
    @discardableResult
    public func publish(_ type: String, _ data: SpecValue) -> ServerEvent {
        let event = ServerEvent(id: "\(boot).\(nextSequence)", sequence: nextSequence, type: type, data: data)
        nextSequence += 1
        if ring.count < capacity {
            ring.append(event)
        } else {
            ring[head] = event
            head = (head + 1) % capacity
        }
        for continuation in subscribers.values { continuation.yield(event) }
        return event
    }

    /// The events in the ring, oldest first.
    public var buffered: [ServerEvent] { Array(ring[head...] + ring[..<head]) }

    public var subscriberCount: Int { subscribers.count }

    /// Subscribes, replaying what came after `lastEventID` when the ring still holds it.
    public func subscribe(lastEventID: String?) -> Subscription {
        let id = UUID()
        // A slow reader keeps at most this many events; it then misses some rather than growing the server's memory.
        let (stream, continuation) = AsyncStream<ServerEvent>.makeStream(bufferingPolicy: .bufferingNewest(capacity))
        subscribers[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        var replay: [ServerEvent] = []
        var reset = false
        if let lastEventID {
            let parts = lastEventID.split(separator: ".", maxSplits: 1)
            let events = buffered
            if parts.count == 2, parts[0] == boot, let sequence = UInt64(parts[1]), sequence < nextSequence {
                if let oldest = events.first?.sequence, sequence + 1 < oldest {
                    reset = true
                } else {
                    replay = events.filter { $0.sequence > sequence }
                }
            } else {
                reset = true
            }
        }
        return Subscription(replay: replay, reset: reset, stream: stream, id: id)
    }

    public func unsubscribe(_ id: UUID) {
        subscribers.removeValue(forKey: id)?.finish()
    }

    /// Ends every stream (on shutdown).
    public func finishAll() {
        for continuation in subscribers.values { continuation.finish() }
        subscribers.removeAll()
    }
}
