import Foundation
import KilnSpec
import Testing

/// What "converged" means for a data dir after a crash and a full `kiln sync --wait`: everything Ready, every
/// execution finished, build numbers unique and consecutive and never reused, exactly one folder per VM, no file
/// that belongs to nothing, no temp file, no process left.
public struct Convergence {
    /// Builds (name → keepResults) and VMs the repository describes.
    public var builds: [String: Int]
    public var images: [String]
    public var vms: [String]
    /// Every execution seen so far in this data dir: (build, number) → execution id. A number must never come back
    /// as another execution.
    public var seen: [String: Int] = [:]

    public init(builds: [String: Int], images: [String], vms: [String]) {
        self.builds = builds
        self.images = images
        self.vms = vms
    }

    /// Checks the data dir; every problem is recorded as an issue with `context` (the round, the seed, the kill time).
    public mutating func check(_ data: DataDirectory, context: String) async throws {
        let builds = try await data.objects("builds")
        let images = try await data.objects("images")
        let vms = try await data.objects("vms")
        #expect(Set(builds.keys) == Set(self.builds.keys), "\(context)")
        #expect(Set(images.keys) == Set(self.images), "\(context)")
        #expect(Set(vms.keys) == Set(self.vms), "\(context)")
        for (name, value) in builds.merging(images, uniquingKeysWith: { a, _ in a }).merging(
            vms, uniquingKeysWith: { a, _ in a })
        {
            #expect(value.isReady, "\(context): \(name) is not Ready: \(String(describing: value.ready))")
        }

        for (build, keep) in self.builds.sorted(by: { $0.key < $1.key }) {
            let executions = try await data.executions(build)
            let numbers = executions.map(\.buildNumber)
            let summary = executions.map { "#\($0.buildNumber) \($0.status) (\($0.reason))" }.joined(separator: ", ")
            let context = "\(context); \(build): \(summary); status: \(builds[build]?.ready?.message ?? "none")"
            #expect(Set(numbers).count == numbers.count, "\(context): duplicate build numbers of \(build): \(numbers)")
            #expect(
                zip(numbers, numbers.dropFirst()).allSatisfy { $1 == $0 + 1 },
                "\(context): build numbers of \(build) are not consecutive: \(numbers)")
            if keep == 0 {
                #expect(numbers.first == 1, "\(context): \(build) keeps everything, yet starts at \(numbers)")
            } else {
                #expect(executions.count <= keep, "\(context): \(build) keeps \(keep) but has \(numbers)")
            }
            #expect(
                executions.last?.status == "success", "\(context): the newest execution of \(build) did not succeed")
            for e in executions {
                #expect(e.isFinished, "\(context): \(build) #\(e.buildNumber) is still \(e.status)")
                if e.status == "failed" {
                    #expect(
                        e.errorMessage?.hasPrefix("interrupted") == true,
                        "\(context): \(build) #\(e.buildNumber) failed: \(e.errorMessage ?? "no message")")
                }
                let key = "\(build)#\(e.buildNumber)"
                if let earlier = seen[key] {
                    #expect(earlier == e.id, "\(context): \(key) was execution \(earlier), now \(e.id)")
                }
                seen[key] = e.id
                for image in e.virtualImages {
                    let size = (try? FileManager.default.attributesOfItem(atPath: image.path)[.size] as? Int) ?? -1
                    #expect(size == image.size, "\(context): \(image.path) is missing or not \(image.size) bytes")
                }
            }
            // Files that belong to no execution are orphans.
            let kept = Set(executions.map { String($0.buildNumber) })
            let folders = Set(data.entries("artifacts/\(build)"))
            #expect(
                folders.isSubset(of: kept),
                "\(context): artifacts of \(build) without an execution: \(folders.subtracting(kept).sorted())")
            let logs = Set(data.entries("logs/\(build)").map { $0.replacingOccurrences(of: ".log", with: "") })
            #expect(
                logs.isSubset(of: kept),
                "\(context): logs of \(build) without an execution: \(logs.subtracting(kept).sorted())")
            // An Image built from it uses its newest execution.
            if let latest = executions.last, let qcow2 = latest.virtualImages.first(where: { $0.format == "qcow2" }) {
                #expect(
                    images[build]?["path"]?.string == qcow2.path,
                    "\(context): Image \(build) is not on #\(latest.buildNumber)")
            }
        }

        let ids = vms.values.compactMap { $0["id"]?.string }
        #expect(Set(ids).count == self.vms.count, "\(context): VM ids \(ids)")
        #expect(Set(data.entries("vms")) == Set(ids), "\(context): VM folders \(data.entries("vms")) for VMs \(ids)")
        for id in ids {
            #expect(
                data.entries("vms/\(id)") == ["disk.qcow2"],
                "\(context): VM folder \(id) holds \(data.entries("vms/\(id)"))")
        }
        #expect(data.tempLeftovers().isEmpty, "\(context): temp files left: \(data.tempLeftovers())")
        let workFolders = data.entries("work").filter { entry in
            var folder: ObjCBool = false
            return FileManager.default.fileExists(atPath: "\(data.path)/work/\(entry)", isDirectory: &folder)
                && folder.boolValue
        }
        #expect(workFolders.isEmpty, "\(context): build work folders left: \(workFolders)")
        #expect(data.entries("tmp").isEmpty, "\(context): tmp holds \(data.entries("tmp"))")
        #expect(data.entries("tombstones").isEmpty, "\(context): tombstones \(data.entries("tombstones"))")
        #expect(ProcessSweep.pids(mentioning: data.path).isEmpty, "\(context): processes still name the data dir")
    }
}

/// A small seeded random number generator (SplitMix64): the same seed gives the same kill points on every run.
public struct SeededGenerator: RandomNumberGenerator {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
