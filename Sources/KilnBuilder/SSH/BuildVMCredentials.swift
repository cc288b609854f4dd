/// What Kiln holds on the host to reach one execution's build VM, in the work folder's `ssh/` (mode 0700), gone
/// with the work folder: the execution's private key (none with `sshPassword`) and the `known_hosts` that pins the
/// host key written into the image.
struct BuildVMCredentials: Sendable, Hashable {
    var folder: String
    var privateKey: String?
    var knownHosts: String
    var access: BuildVMAccess
}
