import KilnSpec

/// Image-build specs as the schema would hand them to the builder (KilnBuilder's tests).
extension Specs {
    /// Parses a YAML ImageBuild document through KilnSpec, as the reconciler gets it from git.
    public static func parse(_ yaml: String) -> (spec: ImageBuildSpec?, errors: [SpecError]) {
        let parsed = DocumentParser.parse(path: "builds/test.yaml", text: yaml)
        return (parsed.objects.first?.imageBuild, parsed.errors)
    }

    /// A spec built straight from values, skipping validation: what reaches the builder if anything upstream let a
    /// bad value through.
    public static func unchecked(
        source: [String: SpecValue] = ["scratch": .bool(true)], scripts: [[String: SpecValue]] = [],
        size: String = "16mib", formats: [String] = [], compress: String = "none"
    ) -> ImageBuildSpec {
        ImageBuildSpec(
            .object([
                "type": .string("qemu"),
                "source": .object(source),
                "scripts": .list(scripts.map(SpecValue.object)),
                "disk": .object(["size": .string(size), "filesystem": .string("ext4"), "label": .string("kiln-root")]),
                "conversionFormats": .list(formats.map(SpecValue.string)),
                "compress": .string(compress)
            ]))
    }

    public static func script(
        _ name: String, path: String? = nil, phase: String = "provision", timeout: String = "1m",
        env: [String: String] = [:], secretEnv: [String: SecretValue] = [:]
    ) -> [String: SpecValue] {
        [
            "name": .string(name), "path": .string(path ?? "scripts/\(name).sh"), "phase": .string(phase),
            "type": .string("sh"), "timeout": .string(timeout), "network": .bool(false),
            "env": .object(env.mapValues(SpecValue.string)),
            "secretEnv": .object(secretEnv.mapValues(\.value))
        ]
    }

    public enum SecretValue {
        case fromEnv(String)
        case fromFile(String)
        public var value: SpecValue {
            switch self {
            case .fromEnv(let name): .object(["fromEnv": .string(name)])
            case .fromFile(let path): .object(["fromFile": .string(path)])
            }
        }
    }
}
