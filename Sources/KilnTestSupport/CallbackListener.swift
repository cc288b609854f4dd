import Foundation

/// An HTTP listener on 127.0.0.1 for callback tests (Debian's python3): every POST body is kept, in order.
/// `/redirect-metadata` answers 307 to the cloud metadata address, `/hang` accepts and never answers, `/fail`
/// answers 500, anything else 200. It exits with its parent, and ``stop()`` ends it by its pid.
public final class CallbackListener: Sendable {
    public let port: Int
    let folder: String
    let process: RunningProcess

    static let program = """
        import http.server, os, sys, threading, time
        folder = sys.argv[1]
        parent = os.getppid()
        def exit_with_parent():
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(0)
        threading.Thread(target=exit_with_parent, daemon=True).start()
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path == "/hang":
                    time.sleep(3600)
                    return
                if self.path == "/redirect-metadata":
                    self.send_response(307)
                    self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                n = len([f for f in os.listdir(folder) if f.endswith(".json")])
                with open(os.path.join(folder, "%04d%s.json" % (n, self.path.replace("/", "_"))), "wb") as f:
                    f.write(body)
                self.send_response(500 if self.path == "/fail" else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        with open(os.path.join(folder, "port.tmp"), "w") as f:
            f.write(str(server.server_address[1]))
        os.rename(os.path.join(folder, "port.tmp"), os.path.join(folder, "port"))
        server.serve_forever()
        """

    public struct NotStarted: Error, CustomStringConvertible {
        public var description: String
    }

    public init() async throws {
        folder =
            FileManager.default.temporaryDirectory.appendingPathComponent("kiln-callbacks-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        process = try RunningProcess("/usr/bin/python3", ["-c", Self.program, folder])
        let deadline = ContinuousClock.now + .seconds(120)
        var found: Int?
        while found == nil, ContinuousClock.now < deadline, !Task.isCancelled {
            found = (try? String(contentsOfFile: "\(folder)/port", encoding: .utf8)).flatMap { Int($0) }
            if found == nil { try? await Task.sleep(for: .milliseconds(50)) }
        }
        guard let found else {
            process.kill()
            _ = await process.wait()
            throw NotStarted(description: "the callback listener did not start: \(process.output)")
        }
        port = found
    }

    public func url(_ path: String = "/ready") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// The bodies of the POSTs received (answered 200 or 500), in order.
    public var bodies: [String] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter {
            $0.hasSuffix(".json")
        }.sorted()
        return files.compactMap { try? String(contentsOfFile: "\(folder)/\($0)", encoding: .utf8) }
    }

    public func stop() async {
        process.kill()
        _ = await process.wait()
        try? FileManager.default.removeItem(atPath: folder)
    }
}
