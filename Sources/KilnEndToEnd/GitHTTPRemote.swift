import Foundation
import KilnTestSupport

/// A git remote over smart HTTP on 127.0.0.1, in a process of its own that a test kills by pid: Python's http.server
/// running git's own `git http-backend` (CGI) for the repositories under a folder.
///
/// Its mode, read from a file at each connection, makes it misbehave on purpose. `serve` answers. `cut` answers a
/// fetch's pack request with its headers and only the first half of the pack, notes `cut`, and then stalls, so that a
/// test can kill it while the fetch is in the middle of the pack. `hang` accepts a connection, notes `hung`, and then
/// never reads or says anything. `hold` accepts a connection, notes `held`, and answers it as the mode says once the
/// mode is another: a test learns for certain that a fetch is in flight, and chooses when it goes on. The server exits
/// on its own if the test runner dies.
public final class GitHTTPRemote: Sendable {
    public enum Mode: String, Sendable {
        case serve, cut, hang, hold
    }

    public let port: Int
    /// Where the server keeps its port, mode and events.
    private let state: String
    private let process: RunningProcess

    private static let program = """
        import http.server, os, subprocess, sys, threading, time
        root, state = sys.argv[1], sys.argv[2]
        parent = os.getppid()
        def exit_with_parent():
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(0)
        threading.Thread(target=exit_with_parent, daemon=True).start()
        forever = threading.Event()
        def mode():
            try:
                with open(os.path.join(state, "mode")) as f:
                    return f.read().strip()
            except OSError:
                return "serve"
        def note(event):
            with open(os.path.join(state, "events"), "a") as f:
                f.write(event + "\\n")
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"
            def log_message(self, *a):
                pass
            def handle(self):
                if mode() == "hang":
                    note("hung")
                    forever.wait()
                    return
                if mode() == "hold":
                    note("held")
                    while mode() == "hold":
                        time.sleep(0.05)
                super().handle()
            def do_GET(self):
                self.backend(b"")
            def do_POST(self):
                if self.headers.get("Transfer-Encoding"):
                    self.send_error(411)
                    return
                self.backend(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            def backend(self, body):
                path, _, query = self.path.partition("?")
                env = {
                    "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": state,
                    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
                    "GIT_PROJECT_ROOT": root, "GIT_HTTP_EXPORT_ALL": "1", "GATEWAY_INTERFACE": "CGI/1.1",
                    "REQUEST_METHOD": self.command, "PATH_INFO": path, "QUERY_STRING": query,
                    "CONTENT_TYPE": self.headers.get("Content-Type", ""), "CONTENT_LENGTH": str(len(body)),
                    "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.0",
                }
                out = subprocess.run(
                    ["git", "http-backend"], input=body, env=env, capture_output=True, timeout=120).stdout
                head, _, payload = out.partition(b"\\r\\n\\r\\n")
                status, headers = 200, []
                for line in head.decode().split("\\r\\n"):
                    name, _, value = line.partition(":")
                    if name.lower() == "status":
                        status = int(value.split()[0])
                    elif name:
                        headers.append((name, value.strip()))
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command == "POST" and mode() == "cut":
                    self.wfile.write(payload[: len(payload) // 2])
                    self.wfile.flush()
                    note("cut after %d of %d bytes" % (len(payload) // 2, len(payload)))
                    forever.wait()
                    return
                self.wfile.write(payload)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        with open(os.path.join(state, "port.tmp"), "w") as f:
            f.write(str(server.server_address[1]))
        os.rename(os.path.join(state, "port.tmp"), os.path.join(state, "port"))
        server.serve_forever()
        """

    public struct NotStarted: Error, CustomStringConvertible {
        var output: String
        public var description: String { "the git HTTP server did not start: \(output)" }
    }

    /// Starts serving the repositories under `root` (a work tree at `root/NAME` is `url(NAME)`), keeping its own
    /// files in `state`; waits (without blocking a thread of the test runner's pool) until it listens.
    public init(root: String, state: String) async throws {
        self.state = state
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        process = try RunningProcess("/usr/bin/python3", ["-c", Self.program, root, state])
        var port: Int?
        // Python may take seconds to start on a loaded machine: the deadline only catches one that never does.
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline, !Task.isCancelled, Foundation.kill(process.pid, 0) == 0 {
            if let text = try? String(contentsOfFile: state + "/port", encoding: .utf8), let value = Int(text) {
                port = value
                break
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        guard let port else {
            process.kill()
            throw NotStarted(output: "\(await process.wait())")
        }
        self.port = port
    }

    public var pid: Int32 { process.pid }

    public func url(_ repository: String) -> String { "http://127.0.0.1:\(port)/\(repository)" }

    /// How the server treats the next connections.
    public func set(_ mode: Mode) throws {
        try Data(mode.rawValue.utf8).write(to: URL(fileURLWithPath: state + "/mode"), options: .atomic)
    }

    /// What the server noted so far (`cut …`, `hung`), one line each.
    public var events: [String] {
        ((try? String(contentsOfFile: state + "/events", encoding: .utf8)) ?? "").split(separator: "\n").map(
            String.init)
    }

    /// Waits until the server has noted `count` events starting with `prefix`; false if it has not before `timeout`.
    public func waitForEvent(_ prefix: String, count: Int = 1, timeout: Duration = .seconds(300)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        let noted = { self.events.filter { $0.hasPrefix(prefix) }.count >= count }
        while ContinuousClock.now < deadline, !Task.isCancelled {
            if noted() { return true }
            if Foundation.kill(process.pid, 0) != 0 { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return noted()
    }

    /// SIGKILLs the server by its pid (if it still runs) and reaps it in the background, so that a `defer` can call
    /// this.
    public func stop() {
        process.kill(SIGKILL)
        let process = self.process
        Task { _ = await process.wait(timeout: .seconds(60)) }
    }

    /// SIGKILLs the server by its pid and reaps it: every connection it holds breaks, and its port refuses.
    @discardableResult
    public func kill() async -> ProcessResult {
        process.kill(SIGKILL)
        return await process.wait(timeout: .seconds(60))
    }
}
