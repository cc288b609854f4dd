import Glibc
import KilnSpec

/// Resolves a host the way the download will reach it and checks every address it resolves to with
/// ``AddressPolicy``: a name that resolves to a link-local or metadata address is refused, even if it also resolves
/// to a good one. The download then connects to the checked address (pinned), so a second lookup cannot change it.
enum AddressResolver {
    /// One resolved address: its bytes (4 or 16) and its text.
    struct Address: Sendable, Hashable {
        var bytes: [UInt8]
        var text: String
    }

    /// The address to connect to, after every address of `host` passed the policy.
    static func resolveChecked(host rawHost: String) async throws(BuildError) -> String {
        let host = rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
        let addresses = try await OffThread.run { () throws(BuildError) in try lookup(host) }
        if let problem = firstProblem(addresses) {
            throw .urlRefused(url: rawHost, reason: "\(host) resolves to a refused address: \(problem)")
        }
        guard let first = addresses.first else {
            throw .downloadFailed(url: rawHost, reason: "\(host) has no address")
        }
        return first.text
    }

    /// The policy's objection to the first refused address, or nil when all may be contacted.
    static func firstProblem(_ addresses: [Address]) -> String? {
        for address in addresses {
            let problem =
                address.bytes.count == 4
                ? AddressPolicy.problem(ipv4: address.bytes)
                : AddressPolicy.problem(ipv6: address.bytes)
            if let problem { return problem }
        }
        return nil
    }

    private static func lookup(_ host: String) throws(BuildError) -> [Address] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else {
            throw .downloadFailed(url: host, reason: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var out: [Address] = []
        var node = list
        while let current = node {
            if let address = address(current.pointee), !out.contains(address) { out.append(address) }
            node = current.pointee.ai_next
        }
        return out
    }

    private static func address(_ info: addrinfo) -> Address? {
        guard let sockaddr = info.ai_addr else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        switch info.ai_family {
        case AF_INET:
            var v4 = sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            let bytes = withUnsafeBytes(of: &v4) { Array($0) }
            inet_ntop(AF_INET, &v4, &text, socklen_t(text.count))
            return Address(bytes: bytes, text: Self.string(text))
        case AF_INET6:
            var v6 = sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            inet_ntop(AF_INET6, &v6, &text, socklen_t(text.count))
            return Address(bytes: bytes, text: Self.string(text))
        default:
            return nil
        }
    }

    private static func string(_ characters: [CChar]) -> String {
        String(decoding: characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
