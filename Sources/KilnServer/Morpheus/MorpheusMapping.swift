import Foundation
import KilnCatalog
import KilnReconciler
import KilnSpec

/// Catalog records in the Morpheus image-builds shape, typed as Morpheus' own clients parse them: every `id` a JSON
/// integer, `statusPercent` an integer 0–100, `statusEta` null or an integer, `conversionFormats` a comma-separated
/// string or null, dates ISO-8601 UTC or null, secrets `"************"`.
public enum MorpheusMapping {
    /// Kiln is single-tenant: every object belongs to this one account.
    static let account: SpecValue = .object(["id": .int(1), "name": .string("kiln")])

    static func date(_ date: Date?) -> SpecValue { StatusDocument.time(date) }

    static func optional(_ text: String?) -> SpecValue { text.map(SpecValue.string) ?? .null }

    /// A named reference (`site`, `zone`) with a stable id, or null.
    static func reference(_ kind: String, _ name: String?) -> SpecValue {
        guard let name else { return .null }
        return .object(["id": .int(StableID.integer(kind, name)), "name": .string(name)])
    }

    /// A script reference in the seed's `bootScript` shape: `{id, fileName}`.
    static func scriptFile(_ path: String?) -> SpecValue {
        guard let path else { return .null }
        return .object(["id": .int(StableID.integer("script", path)), "fileName": .string(path)])
    }

    static func type(_ code: String) -> SpecValue {
        let names = ["qemu": "QEMU", "vmware": "VMware"]
        return .object([
            "id": .int(StableID.integer("build-type", code)), "code": .string(code),
            "name": .string(names[code] ?? code.uppercased())
        ])
    }

    /// One image build. `lastResult` and `executionCount` are always there, as in the seed's list and detail answers.
    public static func build(_ record: BuildRecord, executions: [ExecutionRecord], snapshot: ReadSnapshot) -> SpecValue
    {
        let spec = record.typed
        let last = executions.last.map { execution($0, build: record, snapshot: snapshot) } ?? .null
        return .object([
            "id": .int(Int(record.id ?? 0)),
            "account": account,
            "type": type(spec.type),
            "site": reference("site", spec.group),
            "zone": reference("zone", spec.cloud),
            "name": .string(record.name),
            "description": optional(spec.description),
            "bootScript": scriptFile(spec.bootScript),
            "bootCommand": .null,
            "preseedScript": scriptFile(spec.preseedScript),
            "scripts": .list(
                spec.scripts.map { script in
                    .object([
                        "id": .int(StableID.integer("script", "\(record.name)/\(script.name)")),
                        "name": .string(script.name),
                        "type": .string(script.interpreter), "phase": .string(script.phase.rawValue)
                    ])
                }),
            "sshUsername": optional(spec.sshUsername),
            "sshPassword": spec.sshPassword == nil ? .null : .string(SecretReference.mask),
            "storageProvider": .null,
            "buildOutputName": optional(spec.buildOutputName),
            "conversionFormats": spec.conversionFormats.isEmpty
                ? .null : .string(spec.conversionFormats.joined(separator: ",")),
            "isCloudInit": .bool(spec.isCloudInit),
            "vmToolsInstalled": .bool(spec.vmToolsInstalled),
            "keepResults": .int(spec.keepResults),
            "config": spec.config,
            "dateCreated": date(record.createdAt),
            "lastUpdated": date(record.updatedAt),
            "lastResult": last,
            "executionCount": .int(executions.count)
        ])
    }

    /// One execution.
    public static func execution(_ e: ExecutionRecord, build: BuildRecord?, snapshot: ReadSnapshot) -> SpecValue {
        let percent = e.statusPercent.isFinite ? min(100, max(0, Int(e.statusPercent.rounded()))) : 0
        let eta: SpecValue =
            e.statusEta.flatMap { $0.isFinite && $0 >= 0 ? SpecValue.int(Int($0.rounded())) : nil } ?? .null
        return .object([
            "id": .int(Int(e.id ?? 0)),
            "imageBuild": .object(["id": .int(Int(build?.id ?? 0)), "name": .string(e.buildName)]),
            "buildNumber": .int(e.buildNumber),
            "startDate": date(e.startDate),
            "endDate": date(e.endDate),
            "statusMessage": optional(e.statusMessage),
            "statusPercent": .int(percent),
            "statusEta": eta,
            "status": .string(e.status.rawValue),
            "errorMessage": optional(e.errorMessage),
            "createdBy": .object(["username": .string(e.createdBy)]),
            "tempInstance": .null,
            "virtualImages": .list(
                snapshot.virtualImages(of: e).map { vi in
                    .object(["id": .int(Int(vi.id ?? 0)), "name": .string((vi.path as NSString).lastPathComponent)])
                })
        ])
    }

    /// The `meta` block of a paged answer.
    static func meta(size: Int, total: Int, offset: Int, max: Int) -> SpecValue {
        .object(["size": .int(size), "total": .int(total), "offset": .int(offset), "max": .int(max)])
    }
}
