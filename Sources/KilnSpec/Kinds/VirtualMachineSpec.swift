/// A virtual machine's spec (the VM builder service), read from a validated spec: enum fields are enums here, so
/// nothing downstream compares strings or falls back silently.
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
    public var networkType: NetworkType
    /// `forwards` (nat only): host loopback port → guest port, TCP.
    public var forwards: [PortForward]
    public var launchGui: Bool
    public var callbackUrl: String?
    public var powerState: PowerState
    public var toolsInitTimeout: SpecDuration
    /// How long the guest may take to become ready before it is reported `BootTimeout`.
    public var bootTimeout: SpecDuration
    public var readyConsoleContains: String?
    public var suspend: Bool
    /// `cloudInit.userData`: a file of the spec root (same commit) whose cloud-config goes into the VM's NoCloud seed.
    public var userDataPath: String?

    public init(_ v: SpecValue) {
        if let name = v["image"]?.string {
            image = .named(name)
        } else {
            let text = v["image"]?["checksum"]?.string ?? ""
            let algorithm = Checksum.Algorithm(rawValue: v["image"]?["checksumType"]?.string ?? "") ?? .sha256
            // `algo:hex` on its own, or bare hex with checksumType (the VM builder service's shape).
            let checksum = text.contains(":") ? (try? Checksum.parse(text).get()) : nil
            image = .url(v["image"]?["url"]?.string ?? "", checksum ?? Checksum(algorithm: algorithm, hex: text))
        }
        cpus = v["cpus"]?.int ?? 1
        memory = v["memory"]?.string.flatMap { try? IECSize.parse($0).get() } ?? IECSize(bytes: 512 << 20)
        networkType = Self.enumValue(v["networkType"], default: .nat)
        forwards = (v["forwards"]?.list ?? []).compactMap { f in
            f["host"]?.int.flatMap { host in f["guest"]?.int.map { PortForward(host: host, guest: $0) } }
        }
        launchGui = v["launchGui"]?.bool ?? false
        callbackUrl = v["callbackUrl"]?.string
        powerState = Self.enumValue(v["powerState"], default: .running)
        toolsInitTimeout =
            v["toolsInitTimeout"]?.string.flatMap { try? SpecDuration.parse($0).get() } ?? SpecDuration(seconds: 0)
        bootTimeout =
            v["bootTimeout"]?.string.flatMap { try? SpecDuration.parse($0).get() } ?? SpecDuration(seconds: 300)
        readyConsoleContains = v["ready"]?["consoleContains"]?.string
        suspend = v["suspend"]?.bool ?? false
        userDataPath = v["cloudInit"]?["userData"]?.string
    }

    /// An enum field of a validated spec: the schema's default when absent. The schema lists exactly the enum's cases
    /// and refuses any other value with `file:line:column`, so an unknown value cannot get here from git; one that
    /// does (a catalog row written by a newer Kiln) stops a debug build and reads as the default otherwise.
    static func enumValue<E: RawRepresentable>(_ value: SpecValue?, default fallback: E) -> E
    where E.RawValue == String {
        guard let raw = value?.string else { return fallback }
        guard let parsed = E(rawValue: raw) else {
            assertionFailure("a validated spec holds an unknown \(E.self) \(raw)")
            return fallback
        }
        return parsed
    }

    /// Fields whose change needs a new VM rather than a change to the running one.
    public static let immutableFields: Set<String> = ["image", "cpus", "memory", "networkType", "forwards", "cloudInit"]
}

/// A TCP port of the host's loopback forwarded to a port of the guest (user-mode networking).
public struct PortForward: Sendable, Hashable {
    public var host: Int
    public var guest: Int

    public init(host: Int, guest: Int) {
        self.host = host
        self.guest = guest
    }
}
