import Foundation

/// Reads files inside an ext4 image with debugfs (e2fsprogs), without mounting it.
enum Ext4Image {
    static func cat(_ image: String, _ path: String) throws -> String {
        try Shell.check("debugfs -R \(Shell.quoted("cat \(path)")) \(Shell.quoted(image)) 2>/dev/null")
    }

    /// The permission bits (with setuid/setgid) of a file in the image.
    static func mode(_ image: String, _ path: String) throws -> Int? {
        let stat = try Shell.check("debugfs -R \(Shell.quoted("stat \(path)")) \(Shell.quoted(image)) 2>/dev/null")
        guard let range = stat.range(of: "Mode:") else { return nil }
        let digits = stat[range.upperBound...].drop { $0 == " " }.prefix { $0.isNumber }
        return Int(digits, radix: 8)
    }

    static func exists(_ image: String, _ path: String) throws -> Bool {
        let result = try Shell.run("debugfs -R \(Shell.quoted("stat \(path)")) \(Shell.quoted(image)) 2>&1")
        return !result.output.contains("File not found")
    }
}
