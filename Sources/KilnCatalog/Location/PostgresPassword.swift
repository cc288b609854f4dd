import Foundation

/// Where a PostgreSQL catalog's password comes from: a file named by `--catalog-password-file` (its whole content,
/// less a trailing newline), else a libpq password file (`PGPASSFILE`, else `~/.pgpass`:
/// `host:port:database:user:password` lines, `*` for any, `\:` and `\\` escaped). Never a command line.
public enum PostgresPassword {
    /// The password for `location`, or nil when none is configured (a server that trusts the client needs none).
    public static func resolve(
        for location: PostgresLocation, passwordFile: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(CatalogLocationError) -> String? {
        if let passwordFile {
            guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                throw CatalogLocationError(
                    text: "--catalog-password-file \(passwordFile)",
                    problem: "cannot be read (does it exist, and may Kiln read it?)")
            }
            var password = Substring(text)
            while password.last == "\n" || password.last == "\r" { password = password.dropLast() }
            guard !password.isEmpty else {
                throw CatalogLocationError(text: "--catalog-password-file \(passwordFile)", problem: "is empty")
            }
            return String(password)
        }
        if let file = environment["PGPASSFILE"], !file.isEmpty {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw CatalogLocationError(
                    text: "PGPASSFILE \(file)", problem: "cannot be read (does it exist, and may Kiln read it?)")
            }
            try checkPrivate(file, what: "PGPASSFILE \(file)")
            return lookup(text, for: location)
        }
        if let home = environment["HOME"], let text = try? String(contentsOfFile: "\(home)/.pgpass", encoding: .utf8) {
            try checkPrivate("\(home)/.pgpass", what: "\(home)/.pgpass")
            return lookup(text, for: location)
        }
        return nil
    }

    /// As libpq: a password file others can read is not used; Kiln says so rather than ignoring it quietly.
    static func checkPrivate(_ path: String, what: String) throws(CatalogLocationError) {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        if info.st_mode & 0o077 != 0 {
            throw CatalogLocationError(text: what, problem: "others may read it: chmod 600 \(path)")
        }
    }

    /// The password of the first line of a libpq password file that matches the location.
    public static func lookup(_ text: String, for location: PostgresLocation) -> String? {
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = split(line)
            guard fields.count == 5 else { continue }
            let wanted = [location.host, String(location.port), location.database, location.user]
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    /// Splits one line at unescaped colons, undoing `\:` and `\\`.
    static func split(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":", fields.count < 4 {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
