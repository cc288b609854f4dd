import ArgumentParser
import Foundation
import Hummingbird

/// `kiln-bench bare-server`: Hummingbird with one route and no middleware, answering fixed bytes from memory, on the
/// same NIO event loops `kiln serve` uses. The API benchmark runs it beside nginx so that the throughput figure says how
/// much of the distance to nginx is the HTTP framework's own floor and how much is Kiln's routing, middleware and read
/// model on top of it.
struct BareServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bare-server",
        abstract: "Hummingbird alone serving a file's bytes at one path (used by `api`).",
        shouldDisplay: false)

    @Option(help: "The file whose bytes are served.")
    var body: String

    @Option(help: "The path they are served at.")
    var path: String

    @Option(help: "The Content-Type sent.")
    var contentType = "application/json"

    func run() async throws {
        let bytes = ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: body)))
        let headers: HTTPFields = [.contentType: contentType]
        let router = Router()
        router.get(RouterPath(path)) { _, _ in
            Response(status: .ok, headers: headers, body: .init(byteBuffer: bytes))
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "bare"),
            onServerRunning: { channel in
                // Written unbuffered: a child's stdout into a pipe is block-buffered by `print`.
                FileHandle.standardOutput.write(
                    Data("listening on http://127.0.0.1:\(channel.localAddress?.port ?? 0)\n".utf8))
            })
        try await app.runService()
    }
}
