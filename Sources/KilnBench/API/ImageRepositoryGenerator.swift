import Foundation

/// A spec repository of catalog Images (no source: nothing to build), made with `git fast-import`: ten documents per
/// file, with operating systems and xCAT extensions spread over the set, so that MWS queries match a known share.
struct ImageRepositoryGenerator {
    var images: Int

    static let systems = ["centos", "debian", "ubuntu", "sles", "rocky"]

    func generate(in path: String) throws {
        try Shell.run(["git", "init", "-q", "-b", "main", path])
        var stream = Data()
        let message = "\(images) images"
        stream.append(
            Data(
                "commit refs/heads/main\ncommitter Kiln Bench <bench@example.org> 1700000000 +0000\ndata \(message.utf8.count)\n\(message)\n"
                    .utf8))
        var i = 0
        var file = 0
        while i < images {
            var documents: [String] = []
            while documents.count < 10, i < images {
                documents.append(Self.image(i))
                i += 1
            }
            let text = documents.joined(separator: "---\n")
            let data = Data(text.utf8)
            stream.append(Data("M 100644 inline images/\(file / 100)/images-\(file).yaml\ndata \(data.count)\n".utf8))
            stream.append(data)
            stream.append(Data("\n".utf8))
            file += 1
        }
        try Shell.run(["git", "-C", path, "fast-import", "--quiet"], input: stream)
        // fast-import writes objects only: a work tree lets the webhook benchmark commit a change the usual way.
        try Shell.run(["git", "-C", path, "reset", "-q", "--hard"])
    }

    static func image(_ i: Int) -> String {
        let os = systems[i % systems.count]
        return """
            apiVersion: kiln.dev/v1
            kind: Image
            metadata:
              name: image-\(String(format: "%06d", i))
            spec:
              description: Image \(i) for the API benchmark
              osType: \(i % 7 == 0 ? "windows" : "linux")
              hypervisor: false
              type: stateful
              supportsVirtualMachine: true
              features: [f\(i % 3)]
              extensions:
                xcat:
                  os: \(os)
                  architecture: x86_64
                  profile: compute

            """
    }
}
