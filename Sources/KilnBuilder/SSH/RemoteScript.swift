import Foundation

/// The `sh` program Kiln sends to the build VM on ssh's stdin to run one provisioning script.
///
/// The script and its environment travel inside the program (base64), never on a command line, so neither the
/// host's nor the guest's process table shows a secret. In the guest they go to a private temporary folder; the
/// environment file is read and deleted before the script starts, and the folder is removed when it ends. The
/// script's stdin is /dev/null; its exit code is ssh's.
enum RemoteScript {
    static func program(script: [UInt8], interpreter: String, environment: [String: String]) -> String {
        let variables =
            environment.sorted { $0.key < $1.key }
            .map { "export \($0.key)=\(shellQuoted($0.value))" }.joined(separator: "\n") + "\n"
        return """
            set -e
            umask 077
            d=$(mktemp -d "${TMPDIR:-/tmp}/kiln-script.XXXXXX")
            base64 -d > "$d/env" <<'KILN-END'
            \(base64Lines(Array(variables.utf8)))
            KILN-END
            base64 -d > "$d/script" <<'KILN-END'
            \(base64Lines(script))
            KILN-END
            chmod 0700 "$d/script"
            . "$d/env"
            rm -f "$d/env"
            set +e
            \(interpreter) "$d/script" < /dev/null
            status=$?
            rm -rf "$d"
            exit "$status"

            """
    }

    /// Base64 in lines of 76 characters (what `base64 -d` reads; an empty input is an empty line).
    static func base64Lines(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
    }

    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Whether `name` can be exported by a POSIX shell: the scripts' `env` keys must, over SSH.
    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first,
            first == "_" || ("A"..."Z").contains(first) || ("a"..."z").contains(first)
        else {
            return false
        }
        return name.unicodeScalars.allSatisfy {
            $0 == "_" || ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0)
        }
    }
}
