import Foundation
import KilnDrivers
import KilnReconciler
import KilnTestSupport
import Testing

@Suite("VM callbacks over HTTP, under the download rules")
struct CallbackSenderTests {
    @Test("a POST of JSON to a loopback listener, which receives the body as sent")
    func delivers() async throws {
        let listener = try await CallbackListener()
        defer { Task { await listener.stop() } }
        let status = try await SafeCallbackSender().post(
            listener.url("/ready"), json: #"{"id":"u","status":"powered-on"}"#)
        #expect(status == 200)
        #expect(listener.bodies == [#"{"id":"u","status":"powered-on"}"#])
    }

    @Test("the metadata address is refused, directly or through a redirect, as a terminal failure")
    func metadata() async throws {
        let listener = try await CallbackListener()
        defer { Task { await listener.stop() } }
        for url in ["http://169.254.169.254/latest/meta-data/", listener.url("/redirect-metadata")] {
            await #expect {
                _ = try await SafeCallbackSender().post(url, json: "{}")
            } throws: { error in
                (error as? ActionFailure)?.isTerminal == true && "\(error)".contains("169.254.169.254")
            }
        }
    }

    @Test("a listener that never answers ends at the deadline, as a transient failure", .timeLimit(.minutes(2)))
    func hang() async throws {
        let listener = try await CallbackListener()
        defer { Task { await listener.stop() } }
        await #expect {
            _ = try await SafeCallbackSender(timeout: .seconds(1)).post(listener.url("/hang"), json: "{}")
        } throws: { error in
            (error as? ActionFailure)?.isTerminal == false
        }
    }
}
