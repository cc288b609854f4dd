import KilnSpec

/// The whole environment of a provisioning script: nothing of Kiln's own environment, only a `PATH` and `HOME`,
/// the variables the spec gives the script, its resolved secrets, and Kiln's `KILN_*` variables (which a spec
/// cannot override), and `SOURCE_DATE_EPOCH`.
enum ScriptEnvironment {
    static let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    static func variables(
        script: ImageBuildSpec.Script, secrets: [String: String], buildName: String, buildNumber: Int,
        sshUsername: String?, sourceDateEpoch: Int64? = nil
    ) -> [String: String] {
        var env = ["PATH": path, "HOME": "/tmp"]
        env.merge(script.env) { $1 }
        env.merge(secrets) { $1 }
        if let sshUsername { env["KILN_SSH_USERNAME"] = sshUsername }
        env["KILN_ROOTFS"] = SandboxCommand.rootfsMount
        env["KILN_BUILD_NAME"] = buildName
        env["KILN_BUILD_NUMBER"] = String(buildNumber)
        env["KILN_SCRIPT"] = script.name
        // The reproducible-builds convention: a script that writes a date writes this one, so the same inputs give
        // the same bytes.
        if let sourceDateEpoch { env["SOURCE_DATE_EPOCH"] = String(sourceDateEpoch) }
        return env
    }
}
