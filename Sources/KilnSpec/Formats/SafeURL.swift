import Foundation

/// URLs in specs come from pull requests and are untrusted: only `http` and `https`, no credentials in the URL, and no
/// link-local or cloud-metadata address (`169.254.169.254` and friends), whichever way the address is spelled.
///
/// This check sees only what is written; a fetcher must also check each address a name resolves to, and every
/// redirect, with ``AddressPolicy``.
public enum SafeURL {
    public static func check(_ text: String) -> Result<URL, FormatError> {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let url = components.url
        else {
            return .failure(FormatError("\(JSONText.quoted(text)) is not a URL"))
        }
        guard scheme == "http" || scheme == "https" else {
            return .failure(FormatError("URL scheme \(JSONText.quoted(scheme)) is not allowed; use http or https"))
        }
        if components.user != nil || components.password != nil {
            return .failure(
                FormatError("a URL must not carry credentials (user:password@); they would be stored in git"))
        }
        guard let rawHost = components.host, !rawHost.isEmpty else {
            return .failure(FormatError("\(JSONText.quoted(text)) has no host"))
        }
        // (An IPv6 zone, `fe80::1%25eth0`, keeps its '%'; the address check below refuses link-local ones anyway.)
        if rawHost.unicodeScalars.contains(where: {
            $0.value < 0x21 || $0.value == 0x7F || ($0 == "%" && !rawHost.contains(":"))
        }) {
            return .failure(
                FormatError(
                    "host \(components.percentEncodedHost ?? "") holds an escaped control character or space; write the host name plainly"
                ))
        }
        if let problem = AddressPolicy.problem(host: rawHost) {
            return .failure(FormatError(problem))
        }
        return .success(url)
    }
}

/// Which hosts and addresses Kiln refuses to contact on a spec's behalf.
public enum AddressPolicy {
    static let metadataNames: Set<String> = [
        "metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal",
        "metadata.azure.com", "metadata.oraclecloud.com"
    ]

    /// Why `host` (a name or an address literal) may not be contacted, or nil when it may.
    public static func problem(host rawHost: String) -> String? {
        var host = rawHost.lowercased()
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.hasSuffix(".") { host.removeLast() }
        if metadataNames.contains(host) {
            return "host \(host) is a cloud metadata service; Kiln never fetches from it"
        }
        if host.contains(":") {
            guard let bytes = IPv6.parse(host) else { return "host \(rawHost) is not a valid IPv6 address" }
            return problem(ipv6: bytes)
        }
        if host.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == "x" }) && host.first?.isNumber == true {
            guard let bytes = dottedQuad(host) else {
                return
                    "host \(rawHost) is a numeric address not written as a dotted quad (like 10.0.0.1); write it plainly"
            }
            return problem(ipv4: bytes)
        }
        return nil
    }

    /// Why an IPv4 address may not be contacted, or nil when it may.
    public static func problem(ipv4 b: [UInt8]) -> String? {
        let text = b.map(String.init).joined(separator: ".")
        if b[0] == 169 && b[1] == 254 {
            return "address \(text) is link-local (169.254.0.0/16, where cloud metadata lives)"
        }
        if b == [0, 0, 0, 0] { return "address 0.0.0.0 is not a host" }
        if b[0] >= 224 { return "address \(text) is multicast or reserved" }
        return nil
    }

    /// Why an IPv6 address may not be contacted, or nil when it may.
    public static func problem(ipv6 b: [UInt8]) -> String? {
        if b[0] == 0xFE && b[1] & 0xC0 == 0x80 { return "address is IPv6 link-local (fe80::/10)" }
        if b[0] == 0xFF { return "address is IPv6 multicast" }
        if b == [UInt8](repeating: 0, count: 16) { return "address :: is not a host" }
        // fd00:ec2::254, the EC2 metadata service over IPv6.
        if b == [0xFD, 0, 0x0E, 0xC2] + [UInt8](repeating: 0, count: 10) + [0x02, 0x54] {
            return "address fd00:ec2::254 is a cloud metadata service"
        }
        // NAT64 (64:ff9b::/96) carries an IPv4 address in its last four bytes, 6to4 (2002::/16) in bytes 2–5.
        if b[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0] { return problem(ipv4: Array(b[12..<16])) }
        if b[0] == 0x20 && b[1] == 0x02 { return problem(ipv4: Array(b[2..<6])) }
        // IPv4-mapped and IPv4-compatible forms carry an IPv4 address in their last four bytes.
        if b[0..<10].allSatisfy({ $0 == 0 }) && ((b[10] == 0xFF && b[11] == 0xFF) || (b[10] == 0 && b[11] == 0)) {
            let v4 = Array(b[12..<16])
            if b[10] == 0xFF || v4 != [0, 0, 0, 1] { return problem(ipv4: v4) }
        }
        return nil
    }

    /// Four decimal numbers 0–255 without leading zeros (octal look-alikes are refused), or nil.
    static func dottedQuad(_ host: String) -> [UInt8]? {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                part == "0" || !part.hasPrefix("0"), let n = UInt8(part)
            else { return nil }
            bytes.append(n)
        }
        return bytes
    }
}

/// Parses IPv6 text into 16 bytes (with `::` and an IPv4 tail).
enum IPv6 {
    static func parse(_ text: String) -> [UInt8]? {
        var text = Substring(text)
        if let percent = text.firstIndex(of: "%") { text = text[..<percent] }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, part) in parts.enumerated() {
                if i == parts.count - 1, part.contains("."), let v4 = AddressPolicy.dottedQuad(String(part)) {
                    out.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                    out.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                } else {
                    guard (1...4).contains(part.count), let g = UInt16(part, radix: 16) else { return nil }
                    out.append(g)
                }
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
            all += [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}
