import ArgumentParser
import Foundation

/// `--server URL --token-file F`: ask a running `kiln serve` instead of reading the data dir.
struct ServerOptions: ParsableArguments {
    @Option(
        name: .customLong("server"), help: "A running kiln serve to ask instead of the data dir (http://HOST:PORT).")
    var server: String?

    @Option(name: .customLong("token-file"), help: "A file whose first line is the server's bearer token.")
    var tokenFile: String?

    func validate() throws {
        if tokenFile != nil, server == nil { throw ValidationError("--token-file needs --server") }
        if server != nil { _ = try endpoint() }
    }

    /// The server's base URL (no trailing slash) and token, or nil without `--server`.
    func endpoint() throws -> RemoteServer.Endpoint? {
        guard let server else { return nil }
        guard let url = URL(string: server), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https",
            url.host?.isEmpty == false, url.query == nil
        else {
            throw ValidationError(
                "--server must be an http:// or https:// URL such as http://127.0.0.1:8080 (got \(server))")
        }
        var base = server
        while base.hasSuffix("/") { base.removeLast() }
        var token: String?
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw ValidationError("cannot read --token-file \(tokenFile)")
            }
            token = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.first {
                !$0.isEmpty
            }
            guard token != nil else { throw ValidationError("--token-file \(tokenFile) holds no token") }
        }
        return RemoteServer.Endpoint(base: base, token: token)
    }
}
