/// `qemu-img` command lines. The input format is always given (`-f`), so qemu never probes a file's format, and
/// `info` never opens a backing file (it opens images with `BDRV_O_NO_BACKING`).
enum QemuImgCommand {
    static func convert(raw: String, to output: String, format: ImageFormat) -> [String] {
        var arguments = ["convert", "-q", "-f", "raw", "-O", format.qemuFormat]
        if !format.convertOptions.isEmpty { arguments += ["-o", format.convertOptions.joined(separator: ",")] }
        return arguments + [raw, output]
    }

    static func info(_ path: String, format: ImageFormat) -> [String] {
        ["info", "--output=json", "-f", format.qemuFormat, path]
    }

    static let version = ["--version"]
}
