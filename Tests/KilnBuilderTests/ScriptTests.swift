import Foundation
import KilnSpec
import KilnTestSupport
import Testing

@testable import KilnBuilder

/// Provisioning scripts in their sandbox: failures, time limits, hidden paths, secrets and cancellation.
@Suite struct ScriptTests {
    private func spec(_ scripts: [[String: SpecValue]]) -> ImageBuildSpec {
        Specs.unchecked(scripts: scripts)
    }

    @Test func nonZeroExitNamesTheScriptAndCode() async throws {
        let bed = try TestBed("exit-1")
        defer { bed.remove() }
        let files = MemoryFiles(["scripts/fails.sh": "echo about to fail\nexit 1\n"])
        let error = await buildFailure(bed.request(spec([Specs.script("fails")]), files: files))
        #expect(error == .scriptFailed(script: "fails", exitCode: 1))
        #expect(error?.description.contains("script fails exited with code 1") == true)
        #expect(bed.log.contains("[fails] about to fail"))
        #expect(bed.nothingLeftBehind)
    }

    /// bwrap turns a script's death by a signal into exit code 128 + N: the error says which signal that stands for.
    @Test func aScriptKilledByASignalIsNamedWithTheSignal() async throws {
        let bed = try TestBed("killed")
        defer { bed.remove() }
        let files = MemoryFiles(["scripts/killed.sh": "echo about to die\nkill -9 $$\n"])
        let error = await buildFailure(bed.request(spec([Specs.script("killed")]), files: files))
        #expect(error == .scriptFailed(script: "killed", exitCode: 137))
        #expect(
            error?.description.contains(
                "script killed exited with code 137 (the sandbox's code for a script killed by signal 9: SIGKILL")
                == true,
            "\(String(describing: error))")
        #expect(bed.log.contains("[killed] about to die"))
        #expect(bed.nothingLeftBehind)
    }

    @Test func timeoutKillsEveryProcessOfTheScript() async throws {
        let bed = try TestBed("timeout")
        defer { bed.remove() }
        let files = MemoryFiles(["scripts/slow.sh": "sleep 4242 &\nsleep 4243\n"])
        let started = ContinuousClock.now
        let error = await buildFailure(bed.request(spec([Specs.script("slow", timeout: "1s")]), files: files))
        // Only a hang fails this (the script's own sleep is 70 minutes): a loaded CI core once took 17 s.
        #expect(started.duration(to: .now) < .seconds(600))
        #expect(error == .scriptTimedOut(script: "slow", timeout: "1s"))
        #expect(Processes.running(containing: "sleep 4242").isEmpty)
        #expect(Processes.running(containing: "sleep 4243").isEmpty)
        #expect(bed.nothingLeftBehind)
    }

    @Test func kilnsDataFolderIsInvisible() async throws {
        let bed = try TestBed("peek")
        defer { bed.remove() }
        let token = "token-\(UInt64.random(in: 0...UInt64.max))"
        try token.write(toFile: bed.dataDirectory + "/api-token", atomically: true, encoding: .utf8)
        let files = MemoryFiles([
            "scripts/peek.sh": """
            set -e
            ls -l /proc/$$/fd/
            ls "$DATA" || echo cannot list
            cat "$DATA/api-token"
            """
        ])
        let script = Specs.script("peek", env: ["DATA": bed.dataDirectory])
        let error = await buildFailure(bed.request(spec([script]), files: files))
        #expect(error == .scriptFailed(script: "peek", exitCode: 1))
        let log = bed.log
        #expect(log.contains("cannot list"))
        #expect(log.contains("No such file or directory"))
        #expect(!log.contains(token))
        // No descriptor of Kiln's (its log, its database) is inherited into the sandbox.
        let descriptors = log.split(separator: "\n").filter { $0.contains("[peek]") && $0.contains(" -> ") }
        #expect(descriptors.count >= 3)
        #expect(descriptors.allSatisfy { !$0.contains(bed.root) }, "\(descriptors)")
        #expect(bed.nothingLeftBehind)
    }

    @Test func hiddenPathUnderABoundFolderIsMasked() async throws {
        let bed = try TestBed("mask")
        defer { bed.remove() }
        let hidden = "/usr/share/common-licenses"
        try #require(FileManager.default.fileExists(atPath: hidden + "/GPL-3"))
        let files = MemoryFiles([
            "scripts/peek.sh":
                "ls /usr/share | grep -q common-licenses && echo folder-still-there\ncat /usr/share/common-licenses/GPL-3 | head -1\n"
        ])
        var request = bed.request(spec([Specs.script("peek")]), files: files)
        request.hiddenPaths.append(hidden)
        _ = try await hostBuilder().build(request) { _ in }
        #expect(bed.log.contains("[peek] folder-still-there"))
        #expect(bed.log.contains("No such file or directory"))
        #expect(!bed.log.contains("GNU GENERAL PUBLIC LICENSE"))
    }

    @Test func environmentHoldsOnlyWhatTheSpecPasses() async throws {
        let bed = try TestBed("env")
        defer { bed.remove() }
        let secretsFolder = bed.root + "/secrets"
        try FileManager.default.createDirectory(atPath: secretsFolder, withIntermediateDirectories: true)
        try "file-secret-value\n".write(toFile: secretsFolder + "/db-password", atomically: true, encoding: .utf8)
        let resolver = SecretResolver(
            environment: ["KILN_API_KEY": "env-secret-value", "KILN_UNUSED": "never-passed", "HOME": "/root"],
            secretsDirectory: secretsFolder)
        let files = MemoryFiles([
            "scripts/show.sh": """
            env | sort
            echo "key=$API_KEY password=$DB_PASSWORD"
            printf '%s %s' "$API_KEY" "$DB_PASSWORD" > "$KILN_ROOTFS/received"
            """
        ])
        let script = Specs.script(
            "show", env: ["GREETING": "hello"],
            secretEnv: ["API_KEY": .fromEnv("KILN_API_KEY"), "DB_PASSWORD": .fromFile("db-password")])
        let images = try await hostBuilder().build(bed.request(spec([script]), files: files, secrets: resolver)) { _ in
        }
        let log = bed.log
        let names = log.split(separator: "\n").compactMap { line -> String? in
            guard let text = line.components(separatedBy: "[show] ").last, let equals = text.firstIndex(of: "=") else {
                return nil
            }
            let name = text[..<equals]
            return name.allSatisfy({ $0.isUppercase || $0 == "_" }) ? String(name) : nil
        }
        #expect(
            Set(names) == [
                "API_KEY", "DB_PASSWORD", "GREETING", "HOME", "KILN_BUILD_NAME", "KILN_BUILD_NUMBER",
                "KILN_ROOTFS", "KILN_SCRIPT", "PATH", "PWD", "SOURCE_DATE_EPOCH"
            ])
        #expect(log.contains("key=\(SecretReference.mask) password=\(SecretReference.mask)"))
        #expect(
            !log.contains("env-secret-value") && !log.contains("file-secret-value") && !log.contains("never-passed"))
        let raw = try #require(images.first { $0.format == "raw" }).path
        #expect(try Ext4Image.cat(raw, "/received") == "env-secret-value file-secret-value")
    }

    @Test func missingSecretFailsWithoutItsValue() async throws {
        let bed = try TestBed("no-secret")
        defer { bed.remove() }
        let files = MemoryFiles(["scripts/s.sh": "true\n"])
        let script = Specs.script("s", secretEnv: ["TOKEN": .fromEnv("KILN_MISSING")])
        let error = await buildFailure(bed.request(spec([script]), files: files))
        #expect(
            error
                == .secretUnavailable(
                    reference: "fromEnv KILN_MISSING",
                    reason: "Kiln's environment has no variable KILN_MISSING; set it where Kiln runs"))
        #expect(bed.nothingLeftBehind)
    }

    @Test func missingScriptInTheCommit() async throws {
        let bed = try TestBed("no-script")
        defer { bed.remove() }
        let error = await buildFailure(bed.request(spec([Specs.script("absent")])))
        #expect(
            error
                == .scriptUnreadable(
                    script: "absent", path: "scripts/absent.sh", reason: "scripts/absent.sh is not in the commit"))
        #expect(bed.nothingLeftBehind)
    }

    @Test func cancellationStopsTheRunningScript() async throws {
        let bed = try TestBed("cancel")
        defer { bed.remove() }
        let files = MemoryFiles(["scripts/long.sh": "echo started\nsleep 3737\n"])
        let request = bed.request(spec([Specs.script("long", timeout: "10m")]), files: files)
        let task = Task { try await hostBuilder().build(request) { _ in } }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(300)  // only catches a hang: a loaded machine may take long to start bwrap
        while !bed.log.contains("[long] started") && clock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(!Processes.running(containing: "sleep 3737").isEmpty)
        task.cancel()
        let result = await task.result
        guard case .failure(let error) = result else {
            Issue.record("a cancelled build must not succeed")
            return
        }
        #expect(error as? BuildError == .cancelled)
        #expect(Processes.running(containing: "sleep 3737").isEmpty)
        #expect(bed.nothingLeftBehind)
    }

    @Test func scriptsRunInPhaseOrder() async throws {
        let bed = try TestBed("order")
        defer { bed.remove() }
        let files = MemoryFiles([
            "scripts/a.sh": "echo a >> \"$KILN_ROOTFS/order\"\n",
            "scripts/b.sh": "echo b >> \"$KILN_ROOTFS/order\"\n",
            "scripts/c.sh": "echo c >> \"$KILN_ROOTFS/order\"\n"
        ])
        let scripts = [
            Specs.script("c", phase: "postProvision"), Specs.script("a", phase: "preProvision"), Specs.script("b")
        ]
        let images = try await hostBuilder().build(bed.request(spec(scripts), files: files)) { _ in }
        let raw = try #require(images.first { $0.format == "raw" }).path
        #expect(try Ext4Image.cat(raw, "/order") == "a\nb\nc\n")
    }
}
