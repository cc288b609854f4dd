import KilnSpec

/// Judges `qemu-img info --output=json` of an image (run with `-f`, under `prlimit`), after its header passed
/// ``DiskHeaderCheck``: the second line, on what qemu itself read.
public enum QemuInfoCheck {
    /// Why the image is refused, or nil.
    public static func problem(_ json: String, format: DiskFormat, maxVirtualSize: UInt64) -> String? {
        guard let info = SpecValue(json: json) else { return "qemu-img could not describe it" }
        if let reported = info["format"]?.string, reported != format.qemuFormat {
            return "qemu-img reads it as \(reported), not \(format.qemuFormat)"
        }
        if let backing = info["backing-filename"]?.string ?? info["full-backing-filename"]?.string {
            return "it names a backing file (\(backing)): an image must be self-contained"
        }
        let data = info["format-specific"]?["data"]
        if let dataFile = data?["data-file"]?.string {
            return "it keeps its data in an external data file (\(dataFile)): an image must be self-contained"
        }
        if format == .vmdk {
            let filename = info["filename"]?.string ?? ""
            for extent in data?["extents"]?.list ?? [] {
                let name = extent["filename"]?.string ?? "?"
                if name != filename || extent["format"]?.string == "FLAT" {
                    return "its descriptor names an extent file (\(name)): an image must be self-contained"
                }
            }
        }
        guard let size = info["virtual-size"]?.int, size >= 0 else { return "qemu-img gave no virtual size" }
        if UInt64(size) > maxVirtualSize {
            return
                "its virtual size is \(IECSize(bytes: UInt64(size)).normalized), over the cap of \(IECSize(bytes: maxVirtualSize).normalized) (--max-image-size)"
        }
        return nil
    }
}
