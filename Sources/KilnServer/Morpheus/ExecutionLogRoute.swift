import Foundation
import Hummingbird
import KilnCatalog
import KilnQuery
import KilnSpec
import ServiceLifecycle

/// `GET /api/image-builds/{id}/executions/{buildNumber}/log`: an execution's log as plain text, secrets masked
/// again as it is served. `Range` asks for part of it; `?follow=true` streams it (chunked) as it grows and ends when
/// the execution does. In a fleet, the log of an execution that ran on another host is that host's answer, passed on
/// (``RemoteLogSource``).
struct ExecutionLogRoute {
    /// Secret values to mask in a build's log (resolved by whoever wires the server; none by default).
    typealias Secrets = @Sendable (BuildRecord) -> [String]

    static let followPeriod: Duration = .milliseconds(250)

    static func add(
        to router: Router<KilnRequestContext>, reads: ReadRoutes, model: ReadModel, secrets: @escaping Secrets,
        remote: (any RemoteLogSource)? = nil
    ) {
        router.get("/api/image-builds/:id/executions/:buildNumber/log") { request, context in
            let snapshot = try await reads.snapshot()
            let query = try QueryParameters(request.uri.query)
            let id = context.parameters.get("id") ?? ""
            guard let build = snapshot.build(idOrName: id) else {
                throw APIError.notFound(
                    "image-build-not-found", "no image build with id or name \(QueryParameters.echo(id))")
            }
            let numberText = context.parameters.get("buildNumber") ?? ""
            guard let number = Int(numberText),
                let execution = snapshot.executions(of: build.name).first(where: { $0.buildNumber == number })
            else {
                throw APIError.notFound(
                    "execution-not-found",
                    "image build \(build.name) has no execution \(QueryParameters.echo(numberText))")
            }
            let redactor = Redactor(secrets: secrets(build))
            let follows = try query.bool("follow", default: false)
            if let remote, !execution.logPath.isEmpty, !FileManager.default.fileExists(atPath: execution.logPath),
                let answer = try await Self.fetch(execution, follow: follows, range: request.headers[.range], remote)
            {
                return Self.passOn(answer, redactor: redactor)
            }
            if follows {
                return follow(execution, redactor: redactor, model: model)
            }
            let text = redact(Self.read(execution.logPath) ?? "", redactor)
            let bytes = Array(text.utf8)
            var headers = HTTPFields()
            headers[.acceptRanges] = "bytes"
            switch ByteRange.parse(request.headers[.range], size: bytes.count) {
            case .whole:
                let rendered = Rendered(
                    contentType: "text/plain; charset=utf-8", body: ByteBuffer(bytes: bytes), headers: headers)
                return rendered.response(to: request)
            case .part(let range):
                headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(bytes.count)"
                var rendered = Rendered(
                    contentType: "text/plain; charset=utf-8", body: ByteBuffer(bytes: bytes[range]), headers: headers)
                rendered.status = .partialContent
                return rendered.response(to: request)
            case .unsatisfiable:
                var error = APIError(
                    .rangeNotSatisfiable, code: "range-not-satisfiable",
                    "the log has \(bytes.count) bytes; ask for a range inside them")
                error.headers[.contentRange] = "bytes */\(bytes.count)"
                throw error
            }
        }
    }

    /// The other host's answer; a host that cannot be reached is a 502 naming it.
    static func fetch(
        _ execution: ExecutionRecord, follow: Bool, range: String?, _ remote: any RemoteLogSource
    ) async throws -> RemoteLog? {
        do {
            return try await remote.log(of: execution, follow: follow, range: range)
        } catch {
            throw APIError(
                .badGateway, code: "log-host-unreachable",
                "the log of execution #\(execution.buildNumber) of \(execution.buildName) is on another host, which did not answer: \(error)"
            )
        }
    }

    /// Another host's answer as this server's: its status and range headers, its body masked again line by line.
    static func passOn(_ answer: RemoteLog, redactor: Redactor) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = answer.headers["content-type"] ?? "text/plain; charset=utf-8"
        if let range = answer.headers["content-range"] { headers[.contentRange] = range }
        if let ranges = answer.headers["accept-ranges"] { headers[.acceptRanges] = ranges }
        let body = ResponseBody { writer in
            var pending: [UInt8] = []
            for try await chunk in answer.body {
                pending += chunk.readableBytesView
                if let lastNewline = pending.lastIndex(of: UInt8(ascii: "\n")) {
                    let lines = String(decoding: pending[...lastNewline], as: UTF8.self)
                    pending.removeFirst(lastNewline + 1)
                    try await writer.write(ByteBuffer(string: redact(lines, redactor)))
                }
            }
            if !pending.isEmpty {
                try await writer.write(ByteBuffer(string: redact(String(decoding: pending, as: UTF8.self), redactor)))
            }
            try await writer.finish(nil)
        }
        return Response(status: HTTPResponse.Status(code: answer.status), headers: headers, body: body)
    }

    static func read(_ path: String) -> String? {
        guard !path.isEmpty, let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Masks secrets line by line, keeping the line ends.
    static func redact(_ text: String, _ redactor: Redactor) -> String {
        guard !redactor.secrets.isEmpty else { return text }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { redactor.redact(String($0)) }
            .joined(separator: "\n")
    }

    /// Streams the log as it grows, whole lines at a time, until the execution has finished and the file is read.
    static func follow(_ execution: ExecutionRecord, redactor: Redactor, model: ReadModel) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        let body = ResponseBody { writer in
            var offset: UInt64 = 0
            var pending: [UInt8] = []
            // A followed log ends with its execution, or when the server shuts down.
            while !Task.isCancelled, !Task.isShuttingDownGracefully {
                let finished =
                    model.snapshot.state.executions[execution.buildName]?
                    .first { $0.id == execution.id }?.status.isFinished ?? true
                let chunk = Self.readChunk(execution.logPath, from: offset)
                offset += UInt64(chunk.count)
                pending += chunk
                if let lastNewline = pending.lastIndex(of: UInt8(ascii: "\n")) {
                    let lines = String(decoding: pending[...lastNewline], as: UTF8.self)
                    pending.removeFirst(lastNewline + 1)
                    try await writer.write(ByteBuffer(string: redact(lines, redactor)))
                }
                if chunk.isEmpty && finished {
                    if !pending.isEmpty {
                        try await writer.write(
                            ByteBuffer(string: redact(String(decoding: pending, as: UTF8.self), redactor)))
                    }
                    break
                }
                if chunk.isEmpty { try await Task.sleep(for: followPeriod) }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// Up to 1 MiB of a file from `offset`; nothing when it does not exist (yet).
    static func readChunk(_ path: String, from offset: UInt64) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: offset)) != nil, let data = try? handle.read(upToCount: 1 << 20) else {
            return []
        }
        return Array(data)
    }
}
