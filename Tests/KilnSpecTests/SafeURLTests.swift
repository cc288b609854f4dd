import KilnSpec
import Testing

/// URLs come from pull requests: only http(s), no credentials, and no link-local or metadata address however it is
/// spelled.
@Suite struct SafeURLTests {
    @Test(arguments: [
        "https://example.com/images/disk.qcow2", "http://10.0.0.1:8080/rootfs.tar.gz", "HTTPS://Example.COM/x",
        "http://[2001:db8::1]/x", "http://127.0.0.1:9000/ready", "https://example.com/a@b", "https://example.com?x=1",
        "http://169.254.169.254.example.com/", "https://cafe.be/"
    ])
    func publicHTTPURLsAreAccepted(text: String) {
        #expect(SafeURL.check(text).failureMessage == nil)
    }

    @Test(arguments: [
        ("file:///etc/passwd", #"URL scheme "file" is not allowed; use http or https"#),
        ("FILE:///etc/passwd", #"URL scheme "file" is not allowed; use http or https"#),
        ("ftp://example.com/x", #"URL scheme "ftp" is not allowed; use http or https"#),
        ("gopher://example.com/", #"URL scheme "gopher" is not allowed; use http or https"#),
        ("javascript:alert(1)", #"URL scheme "javascript" is not allowed; use http or https"#),
        ("example.com/disk.qcow2", #""example.com/disk.qcow2" is not a URL"#),
        ("http:///disk.qcow2", #""http:///disk.qcow2" has no host"#)
    ])
    func onlyHTTPAndHTTPSWithAHost(text: String, message: String) {
        #expect(SafeURL.check(text).failureMessage == message)
    }

    @Test(arguments: ["https://user:secret@example.com/x", "https://user@example.com/x", "http://:pw@example.com/"])
    func credentialsAreRefusedWithoutEchoingThem(text: String) throws {
        let message = try #require(SafeURL.check(text).failureMessage)
        #expect(message == "a URL must not carry credentials (user:password@); they would be stored in git")
        #expect(!message.contains("secret"))
    }

    @Test(arguments: [
        (
            "http://169.254.169.254/latest/meta-data/",
            "address 169.254.169.254 is link-local (169.254.0.0/16, where cloud metadata lives)"
        ),
        ("http://169.254.1.1/", "address 169.254.1.1 is link-local (169.254.0.0/16, where cloud metadata lives)"),
        ("http://[fe80::1]/", "address is IPv6 link-local (fe80::/10)"),
        ("http://[FE80::a:b]:8080/", "address is IPv6 link-local (fe80::/10)"),
        ("http://[febf::1]/", "address is IPv6 link-local (fe80::/10)"),
        ("http://[fe80::1%25eth0]/", "address is IPv6 link-local (fe80::/10)"),
        ("http://[fd00:ec2::254]/", "address fd00:ec2::254 is a cloud metadata service"),
        (
            "http://metadata.google.internal/computeMetadata/v1/",
            "host metadata.google.internal is a cloud metadata service; Kiln never fetches from it"
        ),
        (
            "http://METADATA.GOOGLE.INTERNAL./",
            "host metadata.google.internal is a cloud metadata service; Kiln never fetches from it"
        ),
        ("http://metadata/", "host metadata is a cloud metadata service; Kiln never fetches from it"),
        (
            "http://instance-data.ec2.internal/",
            "host instance-data.ec2.internal is a cloud metadata service; Kiln never fetches from it"
        ),
        (
            "http://metadata.azure.com/",
            "host metadata.azure.com is a cloud metadata service; Kiln never fetches from it"
        ),
        ("http://0.0.0.0/", "address 0.0.0.0 is not a host"),
        ("http://224.0.0.1/", "address 224.0.0.1 is multicast or reserved"),
        ("http://255.255.255.255/", "address 255.255.255.255 is multicast or reserved"),
        ("http://[ff02::1]/", "address is IPv6 multicast"),
        ("http://[::]/", "address :: is not a host")
    ])
    func linkLocalAndMetadataAddressesAreRefused(text: String, message: String) {
        #expect(SafeURL.check(text).failureMessage == message)
    }

    /// 169.254.169.254 written as one decimal number, in hex, in octal, or short: a resolver would reach it.
    @Test(arguments: [
        ("http://2852039166/", "2852039166"), ("http://0xA9FEA9FE/", "0xA9FEA9FE"),
        ("http://0xa9.0xfe.0xa9.0xfe/", "0xa9.0xfe.0xa9.0xfe"),
        ("http://0251.0376.0251.0376/", "0251.0376.0251.0376"), ("http://169.254.43518/", "169.254.43518"),
        ("http://169.16689662/", "169.16689662"), ("http://010.0.0.1/", "010.0.0.1"), ("http://1.2.3/", "1.2.3")
    ])
    func numericAddressesNotWrittenAsADottedQuadAreRefused(text: String, host: String) {
        #expect(
            SafeURL.check(text).failureMessage
                == "host \(host) is a numeric address not written as a dotted quad (like 10.0.0.1); write it plainly")
    }

    /// IPv4 addresses carried in IPv6 (mapped and compatible forms) are checked as the IPv4 address they are.
    @Test(arguments: [
        (
            "http://[::ffff:169.254.169.254]/",
            "address 169.254.169.254 is link-local (169.254.0.0/16, where cloud metadata lives)"
        ),
        (
            "http://[::ffff:a9fe:a9fe]/",
            "address 169.254.169.254 is link-local (169.254.0.0/16, where cloud metadata lives)"
        ),
        (
            "http://[0:0:0:0:0:ffff:169.254.1.2]/",
            "address 169.254.1.2 is link-local (169.254.0.0/16, where cloud metadata lives)"
        ),
        (
            "http://[::169.254.169.254]/",
            "address 169.254.169.254 is link-local (169.254.0.0/16, where cloud metadata lives)"
        ),
        ("http://[::ffff:0.0.0.0]/", "address 0.0.0.0 is not a host")
    ])
    func ipv4InsideIPv6IsCheckedAsIPv4(text: String, message: String) {
        #expect(SafeURL.check(text).failureMessage == message)
    }

    @Test func aMappedPublicAddressIsFine() {
        #expect(SafeURL.check("http://[::ffff:93.184.216.34]/").failureMessage == nil)
    }

    @Test(arguments: ["[1::2::3]", "[12345::1]", "[::ffff:1.2.3.4.5]", "[g::1]"])
    func malformedIPv6LiteralsAreRefused(host: String) {
        #expect(AddressPolicy.problem(host: host) == "host \(host) is not a valid IPv6 address")
    }

    /// What a fetcher checks for every address a name resolves to, and every redirect.
    @Test func theAddressPolicyAnswersForRawAddresses() {
        #expect(AddressPolicy.problem(ipv4: [169, 254, 169, 254]) != nil)
        #expect(AddressPolicy.problem(ipv4: [10, 0, 0, 1]) == nil)
        #expect(AddressPolicy.problem(ipv4: [127, 0, 0, 1]) == nil)
        #expect(AddressPolicy.problem(ipv6: [0xFE, 0x80] + Array(repeating: 0, count: 13) + [1]) != nil)
        #expect(AddressPolicy.problem(ipv6: [0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [1]) == nil)
        #expect(AddressPolicy.problem(ipv6: Array(repeating: 0, count: 15) + [1]) == nil, "::1, loopback")
        #expect(AddressPolicy.problem(host: "example.com") == nil)
    }
}

@Suite("SafeURL: embedded and escaped addresses")
struct SafeURLEmbeddedAddressTests {
    @Test(
        "NAT64 and 6to4 addresses that carry a link-local IPv4 address are refused",
        arguments: [
            "http://[64:ff9b::a9fe:a9fe]/", "http://[64:ff9b::169.254.169.254]/", "http://[2002:a9fe:a9fe::1]/"
        ])
    func embedded(_ url: String) {
        guard case .failure(let error) = SafeURL.check(url) else {
            Issue.record("\(url) was accepted")
            return
        }
        #expect(error.message.contains("169.254.169.254"))
    }

    @Test("NAT64 and 6to4 addresses of ordinary hosts are fine")
    func ordinary() {
        #expect((try? SafeURL.check("http://[64:ff9b::0a00:0001]/x").get()) != nil)
        #expect((try? SafeURL.check("http://[2002:0a00:0001::1]/x").get()) != nil)
    }

    @Test("a percent-escaped host is refused")
    func escaped() {
        guard case .failure(let error) = SafeURL.check("http://%00/") else {
            Issue.record("http://%00/ was accepted")
            return
        }
        #expect(error.message.contains("escaped control character"))
    }
}
