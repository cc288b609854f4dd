import AsyncHTTPClient
import Foundation
import KilnCatalog
import NIOCore

/// A fleet replica's way to the logs of builds that ran on other hosts (``RemoteLogSource``): the host whose data
/// dir holds the log (by the hosts table, as the last heartbeat read it) answers its own log route, asked with the
/// fleet token. That host masks secrets; the replica masks them again as it passes the log on.
public struct FleetLogFetcher: RemoteLogSource {
    let fleet: FleetStatus
    /// This host: a log under its own data dir that is not there is gone, not elsewhere.
    let localHost: String
    /// `--fleet-token-file`'s token, which the other hosts' log routes accept.
    let token: String?

    public init(fleet: FleetStatus, localHost: String, token: String?) {
        self.fleet = fleet
        self.localHost = localHost
        self.token = token
    }

    public func log(of execution: ExecutionRecord, follow: Bool, range: String?) async throws -> RemoteLog? {
        guard let hosts = await fleet.hosts, let owner = hosts.owner(of: execution.logPath), owner.name != localHost
        else { return nil }
        let base = owner.address.hasSuffix("/") ? String(owner.address.dropLast()) : owner.address
        let build =
            execution.buildName.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"]))
            ?? execution.buildName
        var request = HTTPClientRequest(
            url: "\(base)/api/image-builds/\(build)/executions/\(execution.buildNumber)/log"
                + (follow ? "?follow=true" : ""))
        request.headers.add(name: "User-Agent", value: "kiln-fleet")
        request.headers.add(name: "Accept", value: "text/plain")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let range { request.headers.add(name: "Range", value: range) }
        // A followed log streams until its execution ends; any other answer comes at once.
        let response = try await HTTPClient.shared.execute(request, timeout: follow ? .hours(24) : .seconds(60))
        var headers: [String: String] = [:]
        for name in ["content-type", "content-range", "accept-ranges"] {
            if let value = response.headers.first(name: name) { headers[name] = value }
        }
        let (body, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self)
        let reader = Task {
            do {
                for try await chunk in response.body { continuation.yield(chunk) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in reader.cancel() }
        return RemoteLog(status: Int(response.status.code), headers: headers, body: body, host: owner.name)
    }
}
