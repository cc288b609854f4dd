import KilnSpec

/// Why an execution failed. Each text says what failed and what to do about it, and never holds a secret's value.
public enum BuildError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A tool is not on PATH.
    case toolMissing(tool: String, debianPackage: String, searchPath: String)
    /// A tool ran and failed; `output` is the end of what it printed.
    case toolFailed(tool: String, status: String, output: String)
    /// The spec's checksum cannot be checked (bad hex, wrong length).
    case invalidChecksum(String)
    /// The source's bytes do not have the checksum the spec names.
    case checksumMismatch(source: String, expected: String, actual: String)
    /// A source URL, or a redirect, points somewhere Kiln does not fetch from.
    case urlRefused(url: String, reason: String)
    case downloadFailed(url: String, reason: String)
    case downloadTooLarge(url: String, limit: Int64)
    case downloadTimedOut(url: String, seconds: Int64)
    case tooManyRedirects(url: String, limit: Int)
    /// The in-repository source could not be read from the commit.
    case sourceUnreadable(path: String, reason: String)
    /// The source is a disk image, not a root-filesystem archive.
    case diskImageSource(format: String, backingFile: String?)
    /// The source is neither an archive Kiln unpacks nor a disk image it recognises.
    case notAnArchive(reason: String)
    /// An archive entry would escape the root filesystem or is of a refused kind.
    case unsafeArchiveEntry(entry: String, reason: String)
    case archiveLimitExceeded(String)
    case archiveUnreadable(String)
    case scriptUnreadable(script: String, path: String, reason: String)
    case scriptFailed(script: String, exitCode: Int32)
    case scriptKilled(script: String, signal: Int32)
    case scriptTimedOut(script: String, timeout: String)
    case secretUnavailable(reference: String, reason: String)
    /// The spec asks for something this builder does not make (a format, a compression, a filesystem).
    case unsupported(String)
    /// An output failed its check with `qemu-img info` or the header check.
    case outputInvalid(format: String, reason: String)
    case fileSystem(operation: String, path: String, reason: String)
    /// The disk did not boot under a firmware it should boot under; `consoleTail` is the serial console's end.
    case bootFailed(firmware: String, reason: String, consoleTail: [String])
    /// `provisioner: ssh`: the build VM did not start, ended early, refused Kiln, or lost the connection.
    case buildVMFailed(reason: String, consoleTail: [String])
    /// `provisioner: ssh`: the build VM's SSH server did not answer within `sshTimeout`.
    case sshTimedOut(timeout: String, lastError: String, consoleTail: [String])
    /// `run.verifyReproducible`: two builds of the same inputs made different raw disks.
    case notReproducible(first: String, second: String, files: [String])
    case cancelled

    /// What a script's exit code above 128 means: `bwrap` reports a sandboxed script killed by signal N as exit code
    /// 128 + N (a script may also exit with such a code itself, so the text says both).
    static func sandboxSignal(_ code: Int32) -> String {
        guard code > 128, code <= 128 + 64 else { return "" }
        let signal = code - 128
        let cause =
            switch signal {
            case 9: "SIGKILL, from the out-of-memory killer or another process"
            case 24: "SIGXCPU, its CPU-time limit"
            case 25: "SIGXFSZ, its file-size limit"
            case 15: "SIGTERM, from another process"
            case 11: "SIGSEGV, a crash"
            case 6: "SIGABRT, an abort"
            case 13: "SIGPIPE, a closed pipe"
            default: "signal \(signal)"
            }
        return
            " (the sandbox's code for a script killed by signal \(signal): \(cause), unless the script exits with it)"
    }

    public var description: String {
        switch self {
        case .toolMissing(let tool, let package, let searchPath):
            "\(tool) was not found on PATH (\(searchPath)); install the Debian package \(package) (apt-get install \(package)) and make sure its folder is on PATH"
        case .toolFailed(let tool, let status, let output):
            "\(tool) failed (\(status))" + (output.isEmpty ? "" : ": \(output)")
        case .invalidChecksum(let reason):
            "the source checksum cannot be used: \(reason); write algo:hex with md5, sha1, sha256 or sha512"
        case .checksumMismatch(let source, let expected, let actual):
            "\(source) does not match its checksum: expected \(expected), got \(actual); nothing was kept. Fix the checksum in the spec or the file at its source"
        case .urlRefused(let url, let reason):
            "refused to fetch \(url): \(reason)"
        case .downloadFailed(let url, let reason):
            "downloading \(url) failed: \(reason); check that the URL answers, then let the build retry"
        case .downloadTooLarge(let url, let limit):
            "\(url) is larger than the download limit of \(limit) bytes; use a smaller archive or raise the limit"
        case .downloadTimedOut(let url, let seconds):
            "downloading \(url) took longer than \(seconds) s; use a closer mirror or raise the download time limit"
        case .tooManyRedirects(let url, let limit):
            "\(url) redirected more than \(limit) times; point the spec at the final URL"
        case .sourceUnreadable(let path, let reason):
            "cannot read the source \(path) from the commit: \(reason)"
        case .diskImageSource(let format, let backingFile?):
            "the source is a \(format) disk image with a backing file (\(backingFile)), not a root-filesystem archive; it was refused without opening it. Use a tar, tar.gz, tar.bz2 or zip of the root filesystem"
        case .diskImageSource(let format, nil):
            "the source is a \(format) disk image, not a root-filesystem archive; use a tar, tar.gz, tar.bz2 or zip of the root filesystem (an Image spec can import a disk image)"
        case .notAnArchive(let reason):
            "the source is not a tar, tar.gz, tar.bz2 or zip archive (\(reason))"
        case .unsafeArchiveEntry(let entry, let reason):
            "archive entry \(JSONText.quoted(entry)) was refused: \(reason); nothing was unpacked. Rebuild the archive with paths relative to its root"
        case .archiveLimitExceeded(let reason):
            "unpacking stopped: \(reason)"
        case .archiveUnreadable(let reason):
            "the source archive cannot be read: \(reason)"
        case .scriptUnreadable(let script, let path, let reason):
            "script \(script): cannot read \(path) from the commit: \(reason)"
        case .scriptFailed(let script, let code):
            "script \(script) exited with code \(code)\(Self.sandboxSignal(code)); see the execution log for its output"
        case .scriptKilled(let script, let signal):
            "script \(script) was killed by signal \(signal) (a resource limit or the out-of-memory killer); see the execution log"
        case .scriptTimedOut(let script, let timeout):
            "script \(script) ran longer than its timeout of \(timeout) and was killed with all its processes; raise scripts[].timeout or make the script faster"
        case .secretUnavailable(let reference, let reason):
            "secret \(reference) is not available: \(reason)"
        case .unsupported(let what):
            what
        case .outputInvalid(let format, let reason):
            "the \(format) output failed verification: \(reason)"
        case .fileSystem(let operation, let path, let reason):
            "\(operation) \(path) failed: \(reason)"
        case .bootFailed(let firmware, let reason, let tail):
            "the disk did not boot under \(firmware): \(reason); set verify.consoleContains if the image prints something else when up, or verify.boot: false to skip this check. Last \(tail.count) console lines:\n"
                + tail.joined(separator: "\n")
        case .buildVMFailed(let reason, let tail):
            "provisioner: ssh: \(reason)"
                + (tail.isEmpty
                    ? "" : ". Last \(tail.count) console lines of the build VM:\n" + tail.joined(separator: "\n"))
        case .sshTimedOut(let timeout, let lastError, let tail):
            "provisioner: ssh: the build VM's SSH server did not answer within sshTimeout (\(timeout)); the last attempt said: \(lastError). Check that the image starts sshd and gets an address, or raise sshTimeout. The VM was stopped. Last \(tail.count) console lines:\n"
                + tail.joined(separator: "\n")
        case .notReproducible(let first, let second, let files):
            "run.verifyReproducible: two builds of the same inputs made different raw disks (sha256:\(first) and sha256:\(second)); nothing was published. "
                + (files.isEmpty
                    ? "No file differs: the filesystems' own metadata do."
                    : "Differing: " + files.joined(separator: ", "))
                + " Make the scripts write the same bytes (use SOURCE_DATE_EPOCH for dates)"
        case .cancelled:
            "the execution was cancelled; its processes were stopped and its files removed"
        }
    }
}
