import Testing

@testable import KilnServer

/// Absolute links come from the `Host` the client used, but never echo anything that is not a host.
@Suite struct BaseURLTests {
    @Test(
        arguments: [
            ("kiln.example.org:8080", "http://kiln.example.org:8080"),
            ("127.0.0.1:41234", "http://127.0.0.1:41234"),
            ("[::1]:8080", "http://[::1]:8080"),
            ("x'><script>", "http://127.0.0.1"),
            ("evil.org/path", "http://127.0.0.1"),
            ("", "http://127.0.0.1"),
            (nil, "http://127.0.0.1")
        ] as [(String?, String)])
    func fromTheHostHeader(host: String?, expected: String) {
        #expect(BaseURL.from(host: host, fallback: "127.0.0.1") == expected)
    }
}
