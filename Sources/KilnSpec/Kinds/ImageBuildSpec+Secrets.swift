extension ImageBuildSpec {
    /// Every secret the build refers to: its SSH password and its scripts' secret environment.
    public var secretReferences: [SecretReference] {
        var out: [SecretReference] = []
        if let sshPassword { out.append(sshPassword) }
        for script in scripts { out += script.secretEnv.keys.sorted().compactMap { script.secretEnv[$0] } }
        return out
    }
}
