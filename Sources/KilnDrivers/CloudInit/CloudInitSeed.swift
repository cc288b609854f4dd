import Foundation
import KilnReconciler
import KilnSpec

/// A cloud-init NoCloud seed for one VM: `meta-data` (its instance id and hostname) and `user-data` (a cloud-config
/// with the operator's SSH keys, and the spec's own `cloudInit.userData` when it has one), on a small FAT image
/// labelled `CIDATA` made with mtools, so nothing is mounted. The guest's cloud-init finds it by its label when it is
/// attached as a read-only disk.
public struct CloudInitSeed: Sendable, Hashable {
    /// The VM's uuid: a new instance id (a VM made again) makes cloud-init run its first-boot modules again.
    public var instanceId: String
    public var hostname: String
    public var sshAuthorizedKeys: [String]
    /// The spec's user-data with its secrets resolved (a mapping), merged into the seed's cloud-config.
    public var extraUserData: SpecValue?

    public init(instanceId: String, vmName: String, sshAuthorizedKeys: [String] = [], userData: SpecValue? = nil) {
        self.instanceId = instanceId
        hostname = Self.hostname(vmName)
        self.sshAuthorizedKeys = sshAuthorizedKeys
        extraUserData = userData
    }

    /// A VM name as a hostname label: letters, digits and `-` (a `.` or `_` becomes `-`), at most 63 characters, not
    /// starting or ending with `-`.
    static func hostname(_ name: String) -> String {
        let mapped = String(name.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" }.prefix(63))
        let trimmed = mapped.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return trimmed.isEmpty ? "kiln-vm" : trimmed
    }

    public var metaData: String {
        "instance-id: \(Self.quoted(instanceId))\nlocal-hostname: \(Self.quoted(hostname))\n"
    }

    /// The seed's cloud-config. With the spec's user-data, its document (as JSON, which YAML reads the same) with
    /// the VM's hostname unless it names one, and the operator's keys added to its `ssh_authorized_keys`.
    public var userData: String {
        if case .object(var fields)? = extraUserData {
            if fields["hostname"] == nil {
                fields["hostname"] = .string(hostname)
                fields["preserve_hostname"] = .bool(false)
            }
            if !sshAuthorizedKeys.isEmpty {
                let own = fields["ssh_authorized_keys"]?.list ?? []
                fields["ssh_authorized_keys"] = .list(
                    own + sshAuthorizedKeys.map(SpecValue.string).filter { !own.contains($0) })
            }
            return "#cloud-config\n" + SpecValue.object(fields).prettyJSON + "\n"
        }
        var text = "#cloud-config\nhostname: \(Self.quoted(hostname))\npreserve_hostname: false\n"
        if !sshAuthorizedKeys.isEmpty {
            text += "ssh_authorized_keys:\n" + sshAuthorizedKeys.map { "  - \(Self.quoted($0))\n" }.joined()
        }
        return text
    }

    /// A YAML double-quoted scalar (JSON's string syntax, which YAML reads the same way).
    static func quoted(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\\/", with: "/")
    }

    /// The public keys of an `authorized_keys` file: its non-empty lines that are not comments. A line that does not
    /// look like a public key is refused, naming the file and line, so that a private key is never copied into a seed.
    public static func authorizedKeys(file path: String) throws -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CloudInitSeedError.unreadableKeys(path)
        }
        var keys: [String] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let type = line.split(separator: " ").first.map(String.init) ?? ""
            guard type.hasPrefix("ssh-") || type.hasPrefix("ecdsa-") || type.hasPrefix("sk-") else {
                throw CloudInitSeedError.notAPublicKey(path, line: index + 1)
            }
            keys.append(line)
        }
        return keys
    }

    /// Writes the seed image to `path` (replacing it): `mformat` makes a 1.44 MB FAT labelled CIDATA, `mcopy` adds
    /// the two files.
    public func write(to path: String) async throws {
        let scratch = path + ".files"
        let partial = path + ".partial"
        try? FileManager.default.removeItem(atPath: scratch)
        try? FileManager.default.removeItem(atPath: partial)
        defer {
            try? FileManager.default.removeItem(atPath: scratch)
            try? FileManager.default.removeItem(atPath: partial)
        }
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        try metaData.write(toFile: scratch + "/meta-data", atomically: true, encoding: .utf8)
        try userData.write(toFile: scratch + "/user-data", atomically: true, encoding: .utf8)
        try await Tool.run("mformat", ["-i", partial, "-C", "-f", "1440", "-v", "CIDATA", "::"])
        try await Tool.run("mcopy", ["-i", partial, "-o", scratch + "/meta-data", scratch + "/user-data", "::"])
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: partial, toPath: path)
    }
}

public enum CloudInitSeedError: Error, Sendable, CustomStringConvertible, ActionFailureConvertible {
    case unreadableKeys(String)
    case notAPublicKey(String, line: Int)

    public var description: String {
        switch self {
        case .unreadableKeys(let path): "--vm-ssh-authorized-keys \(path) cannot be read"
        case .notAPublicKey(let path, let line):
            "--vm-ssh-authorized-keys \(path):\(line) is not a public key (ssh-…, ecdsa-… or sk-…); only public keys go into a VM's seed"
        }
    }

    public var actionFailure: ActionFailure { ActionFailure(.badRequest, description) }
}
