import Foundation
import KilnTestSupport

/// nginx (Debian's) serving fixed bytes from a file at one path: the reference for the API's throughput, run in the
/// same run as Kiln. It runs in the foreground from a config of its own and is stopped by its pid.
struct NginxReference {
    let process: RunningProcess
    let port: Int

    static func start(
        serving body: Data, at path: String, contentType: String, folder: String
    ) async throws -> NginxReference {
        try FileManager.default.createDirectory(atPath: folder + "/logs", withIntermediateDirectories: true)
        let file = folder + "/body"
        try body.write(to: URL(fileURLWithPath: file))
        let port = try FreePort.find()
        let config = """
            daemon off;
            worker_processes auto;
            pid \(folder)/nginx.pid;
            error_log \(folder)/logs/error.log;
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path \(folder)/tmp;
                proxy_temp_path \(folder)/tmp;
                fastcgi_temp_path \(folder)/tmp;
                uwsgi_temp_path \(folder)/tmp;
                scgi_temp_path \(folder)/tmp;
                server {
                    listen 127.0.0.1:\(port);
                    location = \(path) { default_type \(contentType); alias \(file); }
                }
            }
            """
        try config.write(toFile: folder + "/nginx.conf", atomically: true, encoding: .utf8)
        let nginx = FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx"
        let process = try RunningProcess(nginx, ["-p", folder, "-c", folder + "/nginx.conf"])
        let reference = NginxReference(process: process, port: port)
        // Ready when it answers; a deadline only catches an nginx that cannot start.
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let probe = try await ChildProcess.run(
                "/usr/bin/env",
                [
                    "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                    "http://127.0.0.1:\(port)\(path)"
                ], timeout: .seconds(10))
            if probe.stdout == "200" { return reference }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.kill()
        throw Shell.Failure(description: "nginx did not start: \(await process.wait())")
    }

    func stop() async {
        process.kill(SIGTERM)
        _ = await process.wait(timeout: .seconds(30))
    }
}

/// A loopback port nothing listens on now (the kernel's pick, released at once).
enum FreePort {
    static func find() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard fd >= 0, bound == 0, named == 0 else {
            throw Shell.Failure(description: "cannot find a free loopback port")
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
