import Foundation
import KilnTestSupport
import Testing

/// A real `kiln serve` on a loopback port the kernel picks, read from its log. Ended by its pid (SIGTERM, then
/// SIGKILL only if it outlives a generous deadline), whatever the test does.
public struct ServeProcess: Sendable {
    public let process: RunningProcess
    public let url: String

    public struct Failure: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) { self.description = description }
    }

    /// Starts `kiln serve` on `repo` and `dataDir` with `extra` flags and waits until it listens on `address` (a
    /// port the kernel picks); inside `namespace` when one is given (its loopback, not the host's, unless `address`
    /// is one of its other interfaces). The folders in `hiding` (other hosts' data dirs) are out of its sight: it
    /// runs in a mount namespace of its own with an empty read-only tmpfs over each, as if on another machine.
    public static func start(
        repo: String, dataDir: String, extra: [String] = [], namespace: NetworkNamespace? = nil,
        address: String = "127.0.0.1", hiding: [String] = []
    ) async throws -> ServeProcess {
        let arguments = ["serve", "--repo", repo, "--data-dir", dataDir, "--listen", "\(address):0"] + extra
        var command = [try KilnBinary.require()] + arguments
        if !hiding.isEmpty { command = Self.hidden(hiding, command) }
        let process =
            if let namespace {
                try RunningProcess("/usr/sbin/ip", namespace.wrap(command), environment: ["NO_COLOR": "1"])
            } else if !hiding.isEmpty {
                try RunningProcess(command[0], Array(command.dropFirst()), environment: ["NO_COLOR": "1"])
            } else {
                try KilnBinary.start(arguments)
            }
        let marker = "kiln serve: listening on http://\(address):"
        guard await process.waitForOutput({ _, err in err.contains(marker) }),
            let line = process.output.stderr.split(separator: "\n").first(where: { $0.contains(marker) }),
            let port = Int(line[line.range(of: marker)!.upperBound...].prefix { $0.isNumber })
        else {
            process.kill()
            throw Failure(description: "kiln serve did not start listening: \(await process.wait())")
        }
        return ServeProcess(process: process, url: "http://\(address):\(port)")
    }

    /// `command` run by `unshare` in a mount namespace of its own, with each of `folders` made (if missing) and covered
    /// by an empty read-only tmpfs there first. Every step execs the next, so the pid is the server's.
    static func hidden(_ folders: [String], _ command: [String]) -> [String] {
        let script = """
            n=$1; shift
            while [ "$n" -gt 0 ]; do
                mkdir -p "$1" && mount -t tmpfs -o ro,size=16k,mode=0555 kiln-hidden "$1" || exit 125
                shift; n=$((n - 1))
            done
            exec "$@"
            """
        return ["/usr/bin/unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, "kiln-hide"]
            + ["\(folders.count)"] + folders + command
    }

    /// Runs `body` with a server, stopping it afterwards.
    public static func with<T>(
        repo: String, dataDir: String, extra: [String] = [], _ body: (ServeProcess) async throws -> T
    ) async throws -> T {
        let serve = try await start(repo: repo, dataDir: dataDir, extra: extra)
        do {
            let result = try await body(serve)
            await serve.stop()
            return result
        } catch {
            await serve.stop()
            throw error
        }
    }

    public func stop() async {
        process.kill(SIGTERM)
        _ = await process.wait(timeout: .seconds(60))
    }
}

/// A gate a build script waits at: a loopback port that is bound (so nothing else takes it) but refuses connections
/// until the test calls ``open()``. A script with network access loops until it can connect, so a test holds an
/// execution in `running` for as long as it needs, with no timing assumption.
public final class Gate: Sendable {
    public let port: Int
    private let socket: Int32

    public init() throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
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
            if fd >= 0 { close(fd) }
            throw ServeProcess.Failure(description: "cannot bind a loopback port")
        }
        socket = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Lets every waiting script through.
    public func open() {
        _ = listen(socket, 16)
    }

    deinit { close(socket) }

    /// A provisioning script that says it waits, waits for the gate, then writes a file into the image.
    /// Build `web`, whose provisioning script (`scripts/provision.sh`, see ``script(writing:)``) may reach the gate;
    /// `extra` lines go under `spec`.
    public static func build(extra: [String] = []) -> String {
        ([
            "apiVersion: kiln.dev/v1",
            "kind: ImageBuild",
            "metadata: {name: web}",
            "spec:",
            "  type: qemu",
            "  source: {scratch: true}",
            "  scripts:",
            "    - {name: provision, path: scripts/provision.sh, phase: provision, timeout: 30m, network: true}",
            "  disk: {size: 16mib}",
            "  conversionFormats: [qcow2]"
        ] + extra.map { "  " + $0 }).joined(separator: "\n") + "\n"
    }

    public func script(writing text: String) -> String {
        """
        #!/bin/sh
        set -eu
        echo "waiting for the gate"
        until bash -c 'exec 3<>/dev/tcp/127.0.0.1/\(port)' 2>/dev/null; do sleep 0.1; done
        mkdir -p "$KILN_ROOTFS/etc"
        echo \(ChildProcess.quoted(text)) > "$KILN_ROOTFS/etc/kiln-test"
        echo "wrote /etc/kiln-test"

        """
    }
}
