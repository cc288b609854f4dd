/// An image's spec (Moab MWS and Deltacloud images).
public struct ImageSpec: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        /// The newest successful execution of an ImageBuild, in one of its formats.
        case build(String, format: String)
        case url(String, Checksum)
        case snapshotOf(String)
    }

    public var description: String?
    public var osType: String
    public var architecture: String
    public var owner: String?
    public var hypervisor: Bool
    public var hypervisorType: String?
    public var type: String
    public var templateName: String?
    public var supportsPhysicalMachine: Bool
    public var supportsVirtualMachine: Bool
    public var active: Bool
    public var features: [String]
    public var extensions: SpecValue
    public var virtualizedImages: [String]
    public var source: Source?
    /// With `snapshotOf`: a new value takes a new snapshot.
    public var snapshotToken: String?

    public init(_ v: SpecValue) {
        description = v["description"]?.string
        osType = v["osType"]?.string ?? ""
        architecture = v["architecture"]?.string ?? "x86_64"
        owner = v["owner"]?.string
        hypervisor = v["hypervisor"]?.bool ?? false
        hypervisorType = v["hypervisorType"]?.string
        type = v["type"]?.string ?? "stateful"
        templateName = v["templateName"]?.string
        supportsPhysicalMachine = v["supportsPhysicalMachine"]?.bool ?? false
        supportsVirtualMachine = v["supportsVirtualMachine"]?.bool ?? false
        active = v["active"]?.bool ?? true
        features = (v["features"]?.list ?? []).compactMap(\.string)
        extensions = v["extensions"] ?? .object([:])
        virtualizedImages = (v["virtualizedImages"]?.list ?? []).compactMap(\.string)
        let s = v["source"]
        if let build = s?["build"]?.string {
            source = .build(build, format: s?["format"]?.string ?? "qcow2")
        } else if let url = s?["url"]?.string,
            let sum = s?["checksum"]?.string.flatMap({ try? Checksum.parse($0).get() })
        {
            source = .url(url, sum)
        } else if let vm = s?["snapshotOf"]?.string {
            source = .snapshotOf(vm)
            snapshotToken = s?["token"]?.string
        } else {
            source = nil
        }
    }
}
