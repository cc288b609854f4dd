import KilnSpec

/// One script run in the sandbox: everything ``SandboxCommand`` needs to write its command line.
struct SandboxInvocation: Sendable, Hashable {
    /// The root filesystem on the host; the script sees it at ``SandboxCommand/rootfsMount``.
    var rootfs: String
    /// The script's file on the host (written from the commit); seen at ``SandboxCommand/scriptMount``.
    var scriptFile: String
    /// `sh` or `bash`.
    var interpreter: String
    var network: Bool
    var hidden: [HiddenPath]
    var limits: BuildLimits.ScriptLimits
}
