import KilnTestSupport

/// The repositories `kiln plan` is tested on. Every commit has fixed authors, dates and contents, so its id is the
/// same on every machine and the golden files can show real commit ids.
enum PlanRepositories {
    static func webScript(_ version: String) -> String { Specs.script(writing: "web \(version)") }

    static let webBuild = Specs.build("web", script: "scripts/web.sh", formats: ["qcow2", "vmdk"], keepResults: 1)

    static func baseBuild(token: String, withPassword: Bool) -> String {
        Specs.build(
            "base", script: "scripts/base.sh", token: token, policy: "manual",
            extra: withPassword ? ["sshUsername: builder", "sshPassword: {fromEnv: KILN_BUILD_PASSWORD}"] : [])
    }

    static func vms(webMemory: String, withOld: Bool) -> String {
        var documents = [Specs.vm("web-1", image: "web", memory: webMemory)]
        if withOld { documents.append(Specs.vm("old-1", image: "web")) }
        return documents.joined(separator: "---\n")
    }

    /// `main` (tagged `v1`): builds `web` and `base`, Image `web`, VMs `web-1` and `old-1`. Branch `feature`, one
    /// commit ahead: the web script edited, base's run.token bumped and a secret reference added, a new Image `base`,
    /// VM `old-1` deleted and `web-1`'s memory changed. Branch `broken`, from `main`: invalid specs. Branch `wipe`,
    /// from `main`: seven catalog images added, then (one commit later) six of them removed.
    static func make(at path: String) async throws -> GitRepository {
        let repo = try await GitRepository(at: path)
        try repo.write("scripts/web.sh", webScript("v1"))
        try repo.write("scripts/base.sh", Specs.script(writing: "base"))
        try repo.write("builds/web.yaml", webBuild)
        try repo.write("builds/base.yaml", baseBuild(token: "1", withPassword: false))
        try repo.write("images/web.yaml", Specs.image("web", build: "web"))
        try repo.write("vms/vms.yaml", vms(webMemory: "256mib", withOld: true))
        try await repo.commit("Add the web stack", author: .ada)
        try await repo.tag("v1")

        try await repo.checkoutNewBranch("feature")
        try repo.write("scripts/web.sh", webScript("v2"))
        try repo.write("builds/base.yaml", baseBuild(token: "2", withPassword: true))
        try repo.write("images/base.yaml", Specs.image("base", build: "base"))
        try repo.write("vms/vms.yaml", vms(webMemory: "512mib", withOld: false))
        try await repo.commit(
            "Roll out web v2", body: "Rebuild base too, with the builder's password from the host.",
            author: .grace)

        try await repo.checkout("main")
        try await repo.checkoutNewBranch("broken")
        try repo.write("vms/vms.yaml", vms(webMemory: "1gb", withOld: true))
        try repo.write("images/web.yaml", Specs.image("web", build: "web") + "colour: blue\n")
        try await repo.commit("Give web-1 more memory", author: .mallory)

        try await repo.checkout("main")
        try await repo.checkoutNewBranch("wipe")
        for i in 1...7 { try repo.write("images/extra-\(i).yaml", Specs.catalogImage("extra-\(i)")) }
        try await repo.commit("Add seven catalog images", author: .ada)
        try await repo.tag("extras")
        for i in 1...6 { try repo.remove("images/extra-\(i).yaml") }
        try await repo.commit("Drop six catalog images", author: .mallory)
        try await repo.checkout("main")
        return repo
    }
}
