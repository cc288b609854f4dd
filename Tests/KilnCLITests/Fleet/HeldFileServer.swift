import Foundation
import KilnTestSupport

/// A loopback HTTP server of files that holds every request until the test releases it: it notes each request (in
/// `requests.log`) and answers only once the `release` file exists. A test learns for certain that a download is in
/// flight, and chooses when it ends, with no timing assumption.
struct HeldFileServer {
    let process: RunningProcess
    let folder: String
    let port: Int

    static let script = #"""
        import http.server, os, sys, time
        root, log, release, address = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=root, **kwargs)
            def do_GET(self):
                with open(log, "a") as f:
                    f.write(self.path + "\n")
                while not os.path.exists(release):
                    time.sleep(0.05)
                super().do_GET()
        server = http.server.ThreadingHTTPServer((address, 0), Handler)
        print("PORT", server.server_address[1], flush=True)
        server.serve_forever()
        """#

    /// Serves the files of `folder/www` on `address` (loopback by default; a test fleet's ``FleetNetwork``
    /// machine address for hosts in namespaces).
    static func start(in folder: String, address: String = "127.0.0.1") async throws -> HeldFileServer {
        try FileManager.default.createDirectory(atPath: "\(folder)/www", withIntermediateDirectories: true)
        try script.write(toFile: "\(folder)/server.py", atomically: true, encoding: .utf8)
        let process = try RunningProcess(
            "/usr/bin/python3",
            [
                "-u", "\(folder)/server.py", "\(folder)/www", "\(folder)/requests.log",
                "\(folder)/release", address
            ])
        guard await process.waitForOutput(timeout: .seconds(120), { out, _ in out.contains("PORT ") }),
            let port = process.output.stdout.split(separator: "\n").first(where: { $0.hasPrefix("PORT ") })
                .flatMap({ Int($0.dropFirst(5)) })
        else {
            process.kill()
            _ = await process.wait()
            throw ServeProcess.Failure(description: "the held file server did not start: \(process.output)")
        }
        return HeldFileServer(process: process, folder: folder, port: port)
    }

    var www: String { "\(folder)/www" }

    /// The paths asked for so far.
    var requests: [String] {
        ((try? String(contentsOfFile: "\(folder)/requests.log", encoding: .utf8)) ?? "").split(separator: "\n").map(
            String.init)
    }

    /// Lets every held request through, and every later one at once.
    func release() {
        FileManager.default.createFile(atPath: "\(folder)/release", contents: Data())
    }

    func stop() async {
        process.kill()
        _ = await process.wait()
    }
}
