import KilnSpec

/// Caps that keep one execution from exhausting the host, whatever its spec or source says.
public struct BuildLimits: Sendable, Hashable {
    /// Largest download accepted, in bytes.
    public var maxDownloadBytes: Int64 = 16 << 30
    /// Longest a whole download may take, redirects included.
    public var downloadTimeout: Duration = .seconds(30 * 60)
    /// Redirects followed before giving up; each one is checked again (scheme, host, every resolved address).
    public var maxRedirects: Int = 5
    /// Archive entries accepted before unpacking stops.
    public var maxArchiveEntries: Int = 500_000
    /// Bytes unpacked before unpacking stops. The disk size caps this too: more would not fit on the disk.
    public var maxUnpackedBytes: Int64 = 64 << 30
    /// Largest ratio of unpacked bytes to archive bytes read, checked once `ratioCheckFloor` bytes are out: a zip
    /// bomb stops here long before it fills the disk.
    public var maxCompressionRatio: Double = 200
    public var ratioCheckFloor: Int64 = 32 << 20
    /// Resource limits of each provisioning script (setrlimit through `prlimit`).
    public var script: ScriptLimits = ScriptLimits()
    /// Bytes of one script's output written to the log; the rest is counted and dropped.
    public var maxScriptLogBytes: Int = 32 << 20

    /// `provisioner: ssh`: how long the build VM has to power off after the last step before QMP `quit` ends it.
    public var powerOffGrace: Duration = .seconds(180)

    public init() {}

    /// Limits of a provisioning script's processes.
    public struct ScriptLimits: Sendable, Hashable {
        /// RLIMIT_FSIZE: largest file a script may write, in bytes.
        public var maxFileBytes: Int64 = 32 << 30
        /// RLIMIT_NOFILE.
        public var maxOpenFiles: Int = 4096
        /// RLIMIT_NPROC: processes of the sandbox's user (a fork bomb stops here).
        public var maxProcesses: Int = 4096
        /// RLIMIT_AS: address space of each process, in bytes.
        public var maxAddressSpaceBytes: Int64 = 16 << 30
        /// Size of the sandbox's private `/tmp` (a tmpfs, so it uses memory).
        public var tmpBytes: Int64 = 1 << 30

        public init() {}
    }
}
