/// A phase of an execution as `statusMessage` shows it.
enum BuildStage: Hashable, Sendable {
    case fetching
    case unpacking
    case provisioning(script: String)
    case creatingDisk
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
