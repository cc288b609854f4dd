import Foundation
import KilnTestSupport

/// A local HTTP server (Python's http.server) serving a folder, with redirect routes, counting the requests for
/// each path: a real server for download tests, on 127.0.0.1. It exits on its own if the test runner dies.
final class TestHTTPServer: Sendable {
    let folder: String
    let port: Int
    private let process: RunningProcess

    private static let program = """
        import http.server, os, sys, threading, time
        folder, port_file = sys.argv[1], sys.argv[2]
        parent = os.getppid()
        def exit_with_parent():
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(0)
        threading.Thread(target=exit_with_parent, daemon=True).start()
        redirects = {
            "/redirect-ok": "/rootfs.tar.gz",
            "/redirect-metadata": "http://169.254.169.254/latest/meta-data/",
            "/redirect-file": "file:///etc/passwd",
            "/loop": "/loop",
        }
        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **k):
                super().__init__(*a, directory=folder, **k)
            def log_message(self, *a):
                pass
            def do_GET(self):
                with open(os.path.join(folder, "requests.log"), "a") as log:
                    log.write(self.path + "\\n")
                if self.path in redirects:
                    self.send_response(302)
                    self.send_header("Location", redirects[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                super().do_GET()
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        with open(port_file + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        os.rename(port_file + ".tmp", port_file)
        server.serve_forever()
        """

    struct NotStarted: Error {}

    /// Starts the server and waits (without blocking a thread of the test runner's small pool) until it listens.
    init(folder: String) async throws {
        self.folder = folder
        let portFile = folder + "/../server.port"
        process = try RunningProcess("/usr/bin/python3", ["-c", Self.program, folder, portFile])
        var port: Int?
        // Python may take seconds to start on a loaded machine: the deadline only catches one that never does.
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline, !Task.isCancelled, kill(process.pid, 0) == 0 {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let value = Int(text) {
                port = value
                break
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        guard let port else {
            process.kill()
            _ = await process.wait()
            throw NotStarted()
        }
        self.port = port
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    func requests(for path: String) -> Int {
        let log = (try? String(contentsOfFile: folder + "/requests.log", encoding: .utf8)) ?? ""
        return log.split(separator: "\n").filter { $0 == path }.count
    }

    /// Ends the server by its pid; it is reaped (and its output files removed) in the background, so that a `defer`
    /// can call this.
    func stop() {
        process.kill()
        let process = self.process
        Task { _ = await process.wait() }
    }
}
