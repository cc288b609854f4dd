import KilnSpec
import Testing

@Suite struct ChecksumTests {
    @Test(arguments: Checksum.Algorithm.allCases)
    func eachAlgorithmTakesExactlyItsHexLength(algorithm: Checksum.Algorithm) throws {
        let name = algorithm.rawValue
        let length = algorithm.hexLength
        let good = try Checksum.parse("\(name):" + String(repeating: "a", count: length)).get()
        #expect(good.algorithm == algorithm)
        #expect(good.hex.count == length)
        #expect(
            Checksum.parse("\(name):" + String(repeating: "a", count: length - 1)).failureMessage
                == "\(name) checksum has \(length - 1) hex digits; \(name) has \(length)")
        #expect(
            Checksum.parse("\(name):" + String(repeating: "a", count: length + 1)).failureMessage
                == "\(name) checksum has \(length + 1) hex digits; \(name) has \(length)")
    }

    @Test func theLengthsAreTheDigestSizes() {
        #expect(Checksum.Algorithm.allCases.map(\.hexLength) == [32, 40, 64, 128])
    }

    @Test func checksumsAreNormalisedToLowerCase() throws {
        let upper = try Checksum.parse("SHA256:" + String(repeating: "AB", count: 32)).get()
        #expect(upper.description == "sha256:" + String(repeating: "ab", count: 32))
    }

    @Test(arguments: [
        ("abc", #""abc" is not a checksum: write algo:hex, for example sha256:<64 hex digits>"#),
        (
            "sha384:" + String(repeating: "a", count: 96),
            #"unknown checksum algorithm "sha384" (use md5, sha1, sha256, sha512)"#
        ),
        ("crc32:deadbeef", #"unknown checksum algorithm "crc32" (use md5, sha1, sha256, sha512)"#),
        ("md5:" + String(repeating: "g", count: 32), "md5 checksum must be hex digits"),
        ("md5:" + String(repeating: "０", count: 32), "md5 checksum must be hex digits"),
        ("sha1:", "sha1 checksum has 0 hex digits; sha1 has 40"),
        ("sha256: " + String(repeating: "a", count: 64), "sha256 checksum must be hex digits")
    ])
    func malformedChecksumsAreRefused(text: String, message: String) {
        #expect(Checksum.parse(text).failureMessage == message)
    }

    @Test func bareHexIsCheckedAgainstANamedAlgorithm() throws {
        #expect(try Checksum.parseHex(String(repeating: "0", count: 40), algorithm: .sha1).get().algorithm == .sha1)
        #expect(
            Checksum.parseHex(String(repeating: "0", count: 64), algorithm: .md5).failureMessage
                == "md5 checksum has 64 hex digits; md5 has 32")
    }
}
