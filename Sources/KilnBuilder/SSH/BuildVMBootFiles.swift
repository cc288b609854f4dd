import Glibc

/// The build VM's kernel and initrd, decompressed on the host before a TCG boot.
///
/// Under TCG the guest decompresses them itself, instruction by emulated instruction: Debian's xz-compressed kernel
/// (8 MB → 66 MB) in its boot stub and its gzip initrd (36 MB → 130 MB) during early boot. Measured here at load ~15:
/// the kernel's first line came 10-26 s after qemu started with the bzImage and 1-2 s with the decompressed kernel,
/// and `/init` started 4-5 s sooner with the decompressed initrd. `xz`/`gzip`/`zstd` do the same work on the host in
/// about a second. The kernel is the same code: the bzImage's payload is the kernel's ELF image, which qemu boots
/// through the PVH entry Debian's kernels carry (`CONFIG_PVH`, the Xen `PHYS32_ENTRY` note); without that note, or
/// when a tool is missing or fails, the compressed file is booted as before. The initrd is the same cpio archive,
/// uncompressed (the kernel accepts both). Under KVM the guest decompresses fast: nothing is done.
enum BuildVMBootFiles {
    enum Compression: String, Sendable, Hashable {
        case gzip, xz, zstd

        /// The tool that decompresses it (`-dc`).
        var tool: Tool {
            switch self {
            case .gzip: .gzip
            case .xz: .xz
            case .zstd: .zstd
            }
        }
    }

    /// The compression a stream starts with, from its magic number.
    static func compression(of head: [UInt8]) -> Compression? {
        if head.starts(with: [0x1F, 0x8B]) { return .gzip }
        if head.starts(with: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return .xz }
        if head.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) { return .zstd }
        return nil
    }

    /// Where a bzImage's compressed kernel is (x86 boot protocol ≥ 2.08: `payload_offset`/`payload_length` in the
    /// setup header, counted from the end of the setup sectors), from the file's first 1 KiB; nil for anything else.
    static func payload(bzImageHeader head: [UInt8]) -> (offset: Int, length: Int)? {
        guard head.count >= 0x250, head[0x202..<0x206].elementsEqual("HdrS".utf8) else { return nil }
        let version = Int(head[0x206]) | Int(head[0x207]) << 8
        guard version >= 0x0208 else { return nil }
        func u32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 | Int(head[at + $1]) << (8 * $1) } }
        let setupSectors = head[0x1F1] == 0 ? 4 : Int(head[0x1F1])
        let offset = (setupSectors + 1) * 512 + u32(0x248)
        let length = u32(0x24C)
        return length > 0 ? (offset, length) : nil
    }

    /// Whether `path` is a 64-bit ELF image with the PVH entry note (Xen note type 18, `XEN_ELFNOTE_PHYS32_ENTRY`):
    /// what qemu's `-kernel` needs to boot an uncompressed kernel.
    static func hasPVHEntry(_ path: String) -> Bool {
        guard let header = try? FileBytes.prefix(path, count: 64), header.count == 64,
            header.starts(with: [0x7F, 0x45, 0x4C, 0x46, 2, 1])
        else { return false }
        func int(_ bytes: [UInt8], _ at: Int, _ width: Int) -> Int {
            (0..<width).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) }
        }
        let tableOffset = int(header, 0x20, 8)
        let entrySize = int(header, 0x36, 2)
        let count = int(header, 0x38, 2)
        guard entrySize >= 56, count < 256,
            let table = try? FileBytes.prefix(path, count: entrySize * count, offset: Int64(tableOffset)),
            table.count == entrySize * count
        else { return false }
        for index in 0..<count {
            let entry = Array(table[(index * entrySize)..<((index + 1) * entrySize)])
            guard int(entry, 0, 4) == 4 else { continue }  // PT_NOTE
            let size = int(entry, 0x20, 8)
            guard size < 1 << 20, let notes = try? FileBytes.prefix(path, count: size, offset: Int64(int(entry, 8, 8)))
            else { continue }
            if containsPVHNote(notes) { return true }
        }
        return false
    }

    /// Walks ELF notes (name size, description size, type, then both padded to 4 bytes).
    static func containsPVHNote(_ notes: [UInt8]) -> Bool {
        var at = 0
        func u32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 | Int(notes[at + $1]) << (8 * $1) } }
        while at + 12 <= notes.count {
            let nameSize = u32(at)
            let descriptionSize = u32(at + 4)
            let type = u32(at + 8)
            let name = at + 12
            guard nameSize < 1 << 16, descriptionSize < 1 << 16, name + nameSize <= notes.count else { return false }
            if type == 18, nameSize == 4, notes[name..<(name + 4)].elementsEqual([0x58, 0x65, 0x6E, 0x00]) {
                return true
            }
            at = name + (nameSize + 3) / 4 * 4 + (descriptionSize + 3) / 4 * 4
        }
        return false
    }

    /// What ``prepare(kernel:initrd:folder:runner:locator:)`` made: the decompressed files (nil: boot the original),
    /// and what was done, for the log.
    struct Prepared: Sendable {
        var kernel: String?
        var initrd: String?
        var notes: [String]

        /// `boot` with the decompressed files in place of the compressed ones.
        func applied(to boot: BuildVM.DirectBoot) -> BuildVM.DirectBoot {
            var result = boot
            result.kernel = kernel ?? boot.kernel
            if boot.initrd != nil { result.initrd = initrd ?? boot.initrd }
            return result
        }
    }

    /// Decompresses `kernel` and `initrd` into `folder` (as `vmlinux` and `initrd.cpio`), both at once; never fails
    /// the build: what cannot be decompressed is booted as it is, and the notes say why.
    static func prepare(
        kernel: String, initrd: String?, folder: String, runner: ProcessRunner, locator: ToolLocator
    ) async -> Prepared {
        guard (try? FileSystem.makeDirectories(folder, mode: 0o700)) != nil else {
            return Prepared(notes: ["could not make \(folder)"])
        }
        async let unpackedKernel = decompressKernel(kernel, folder: folder, runner: runner, locator: locator)
        async let unpackedInitrd = decompressInitrd(initrd, folder: folder, runner: runner, locator: locator)
        let (newKernel, kernelNote) = await unpackedKernel
        let (newInitrd, initrdNote) = await unpackedInitrd
        return Prepared(kernel: newKernel, initrd: newInitrd, notes: [kernelNote, initrdNote].compactMap { $0 })
    }

    private static func decompressKernel(
        _ kernel: String, folder: String, runner: ProcessRunner, locator: ToolLocator
    ) async -> (String?, String?) {
        guard let head = try? FileBytes.prefix(kernel, count: 1024), let (offset, length) = payload(bzImageHeader: head)
        else { return (nil, "kernel booted as it is: not a bzImage") }
        // The kernel's build appends the decompressed size (4 bytes, little-endian) to the compressed stream.
        guard length > 4, let read = try? FileBytes.prefix(kernel, count: length, offset: Int64(offset)),
            read.count == length
        else { return (nil, "kernel booted as it is: its payload could not be read") }
        let payload = Array(read.prefix(length - 4))
        let expectedSize = read.suffix(4).reversed().reduce(Int64(0)) { $0 << 8 | Int64($1) }
        guard let compression = compression(of: payload) else {
            return (nil, "kernel booted as it is: its payload's compression is not gzip, xz or zstd")
        }
        let packed = folder + "/vmlinux.\(compression.rawValue)"
        let unpacked = folder + "/vmlinux"
        guard (try? FileSystem.writeNewFile(packed, payload, mode: 0o600)) != nil else {
            return (nil, "kernel booted as it is: could not write \(packed)")
        }
        defer { unlink(packed) }
        if let failure = await decompress(packed, compression, to: unpacked, runner: runner, locator: locator) {
            return (nil, "kernel booted as it is: \(failure)")
        }
        guard (try? FileSystem.size(unpacked)) == expectedSize else {
            unlink(unpacked)
            return (nil, "kernel booted as it is: decompressed, it is not the \(expectedSize) bytes its header says")
        }
        guard hasPVHEntry(unpacked) else {
            unlink(unpacked)
            return (nil, "kernel booted as it is: it has no PVH entry for qemu to boot it uncompressed")
        }
        return (unpacked, "kernel decompressed (\(compression.rawValue)), booted through its PVH entry")
    }

    private static func decompressInitrd(
        _ initrd: String?, folder: String, runner: ProcessRunner, locator: ToolLocator
    ) async -> (String?, String?) {
        guard let initrd else { return (nil, nil) }
        guard let head = try? FileBytes.prefix(initrd, count: 8), let compression = compression(of: head) else {
            return (nil, "initrd booted as it is: it does not start with a gzip, xz or zstd stream")
        }
        let unpacked = folder + "/initrd.cpio"
        if let failure = await decompress(initrd, compression, to: unpacked, runner: runner, locator: locator) {
            return (nil, "initrd booted as it is: \(failure)")
        }
        guard let cpio = try? FileBytes.prefix(unpacked, count: 6), cpio.count == 6,
            cpio[0..<5].elementsEqual("07070".utf8), cpio[5] == UInt8(ascii: "1") || cpio[5] == UInt8(ascii: "2")
        else {
            unlink(unpacked)
            return (nil, "initrd booted as it is: decompressed, it is not a cpio archive")
        }
        return (unpacked, "initrd decompressed (\(compression.rawValue))")
    }

    /// `tool -dc input > output`, bounded; nil when it worked, else why not.
    private static func decompress(
        _ input: String, _ compression: Compression, to output: String, runner: ProcessRunner, locator: ToolLocator
    ) async -> String? {
        do throws(BuildError) {
            let tool = try locator.locate(compression.tool)
            let shell = try locator.locate(.sh)
            let outcome = try await runner.run(
                shell, ["-c", #"exec "$0" -dc -- "$1" > "$2""#, tool, input, output], timeout: .seconds(120))
            guard outcome.succeeded else {
                unlink(output)
                return
                    "\(compression.tool.rawValue) \(outcome.status)\(outcome.tail.isEmpty ? "" : ": " + outcome.tailText)"
            }
            return nil
        } catch {
            unlink(output)
            return error.description
        }
    }
}
