import Foundation

/// Makes archives for tests with Python's tarfile and zipfile, which write whatever entry they are told to —
/// including the hostile ones a real tar tool refuses to make.
enum Archives {
    struct Entry: Encodable {
        var name: String
        var type = "file"
        var data = ""
        var target: String?
        var mode: Int?
        /// Random (incompressible) bytes instead of `data`.
        var randomBytes: Int?

        static func file(_ name: String, _ data: String = "", mode: Int = 0o644) -> Entry {
            Entry(name: name, data: data, mode: mode)
        }
        static func random(_ name: String, bytes: Int) -> Entry { Entry(name: name, randomBytes: bytes) }
        static func dir(_ name: String) -> Entry { Entry(name: name, type: "dir") }
        static func symlink(_ name: String, to target: String) -> Entry {
            Entry(name: name, type: "symlink", target: target)
        }
        static func hardlink(_ name: String, to target: String) -> Entry {
            Entry(name: name, type: "hardlink", target: target)
        }
        static func fifo(_ name: String) -> Entry { Entry(name: name, type: "fifo") }
        static func characterDevice(_ name: String) -> Entry { Entry(name: name, type: "chr") }
    }

    private static let tarProgram = """
        import io, json, os, sys, tarfile
        out, entries = sys.argv[1], json.loads(sys.argv[2])
        with tarfile.open(out, "w:gz" if out.endswith(".gz") else "w", format=tarfile.GNU_FORMAT) as t:
            for e in entries:
                i = tarfile.TarInfo(e["name"])
                i.mtime = 1700000000
                kind = e["type"]
                i.mode = e.get("mode") or (0o755 if kind == "dir" else 0o644)
                if kind == "file":
                    data = os.urandom(e["randomBytes"]) if e.get("randomBytes") else e["data"].encode()
                    i.size = len(data)
                    t.addfile(i, io.BytesIO(data))
                    continue
                i.type = {"dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE,
                          "fifo": tarfile.FIFOTYPE, "chr": tarfile.CHRTYPE}[kind]
                i.linkname = e.get("target") or ""
                if kind == "chr":
                    i.devmajor, i.devminor = 1, 3
                t.addfile(i)
        """

    /// Writes a tar (`.tar`) or gzip-compressed tar (`.tar.gz`) holding `entries`, in order.
    static func tar(_ path: String, _ entries: [Entry]) throws {
        let json = String(decoding: try JSONEncoder().encode(entries), as: UTF8.self)
        try Shell.python(tarProgram, [path, json])
    }

    /// A zip holding one file of `mebibytes` MiB of zeros, deflated: about 1000 times smaller than what it unpacks to.
    static func zipBomb(_ path: String, mebibytes: Int) throws {
        try Shell.python(
            """
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
                with z.open("bomb.bin", "w", force_zip64=True) as f:
                    chunk = bytes(1 << 20)
                    for _ in range(int(sys.argv[2])):
                        f.write(chunk)
            """, [path, String(mebibytes)])
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
