/// A phase of an execution as `statusMessage` shows it.
enum BuildStage: Hashable, Sendable {
    case fetching
    case unpacking
    case provisioning(script: String)
    case creatingDisk
    /// `provisioner: ssh`: the disk booted in a throwaway VM, Kiln waiting for its SSH server, the VM powered off.
    case bootingBuildVM
    case waitingForSSH
    case poweringOff
    case bootVerifying
    case converting(format: String)
    case verifying
    case packaging(format: String)
    case compressing(format: String)
    case checksumming
    case done

    var message: String {
        switch self {
        case .fetching: "Fetching"
        case .unpacking: "Unpacking"
        case .provisioning(let script): "Provisioning: \(script)"
        case .creatingDisk: "Creating disk"
        case .bootingBuildVM: "Booting build VM"
        case .waitingForSSH: "Waiting for SSH"
        case .poweringOff: "Powering off"
        case .bootVerifying: "Verifying boot"
        case .converting(let format): "Converting: \(format)"
        case .verifying: "Verifying"
        case .packaging(let format): "Packaging: \(format)"
        case .compressing(let format): "Compressing: \(format)"
        case .checksumming: "Checksumming"
        case .done: "Done"
        }
    }
}
