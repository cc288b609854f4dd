import Glibc

/// `isCloudInit: true`: the image must hold cloud-init, and is set to the NoCloud datasource (each VM gets its seed
/// from the VM driver), with no state left from the build so that the first boot of each VM is cloud-init's first.
enum CloudInit {
    static let configFile = "etc/cloud/cloud.cfg.d/90-kiln-nocloud.cfg"
    static let config = """
        # Written by Kiln (isCloudInit: true): VMs get their cloud-init seed through the NoCloud datasource.
        datasource_list: [ NoCloud, None ]

        """

    static func configure(_ root: RootFiles) throws(BuildError) -> [String] {
        guard root.kind("usr/bin/cloud-init") != nil else {
            throw .unsupported(
                "isCloudInit: true, but the image has no cloud-init (/usr/bin/cloud-init is missing); add cloud-init to source.debian.packages or install it in a script, or set isCloudInit: false"
            )
        }
        try root.write(configFile, config)
        var done = ["cloud-init set to the NoCloud datasource (/\(configFile))"]
        if root.kind("var/lib/cloud") == S_IFDIR, let path = try root.safePath("var/lib/cloud") {
            try FileSystem.removeTree(path)
            done.append("removed cloud-init's state (/var/lib/cloud)")
        }
        return done
    }
}
