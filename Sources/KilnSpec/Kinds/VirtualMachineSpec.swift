/// A virtual machine's spec (the VM builder service).
public struct VirtualMachineSpec: Sendable, Hashable {
    public enum ImageRef: Sendable, Hashable {
        /// An Image of the repository.
        case named(String)
        /// An external disk image, as the VM builder service takes it.
        case url(String, Checksum)
    }

    public var image: ImageRef
    public var cpus: Int
    public var memory: IECSize
    public var networkType: String
    public var launchGui: Bool
    public var callbackUrl: String?
    public var powerState: String
    public var toolsInitTimeout: SpecDuration
    public var readyConsoleContains: String?
    public var suspend: Bool

    public init(_ v: SpecValue) {
        if let name = v["image"]?.string {
            image = .named(name)
        } else {
            let algorithm = Checksum.Algorithm(rawValue: v["image"]?["checksumType"]?.string ?? "") ?? .sha256
            image = .url(v["image"]?["url"]?.string ?? "",
                         Checksum(algorithm: algorithm, hex: v["image"]?["checksum"]?.string ?? ""))
        }
        cpus = v["cpus"]?.int ?? 1
        memory = v["memory"]?.string.flatMap { try? IECSize.parse($0).get() } ?? IECSize(bytes: 512 << 20)
        networkType = v["networkType"]?.string ?? "nat"
        launchGui = v["launchGui"]?.bool ?? false
        callbackUrl = v["callbackUrl"]?.string
        powerState = v["powerState"]?.string ?? "running"
        toolsInitTimeout = v["toolsInitTimeout"]?.string.flatMap { try? SpecDuration.parse($0).get() } ?? SpecDuration(seconds: 0)
        readyConsoleContains = v["ready"]?["consoleContains"]?.string
        suspend = v["suspend"]?.bool ?? false
    }

    /// Fields whose change needs a new VM rather than a change to the running one.
    public static let immutableFields: Set<String> = ["image", "cpus", "memory", "networkType"]
}
