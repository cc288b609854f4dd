import KilnSpec
import Testing

@Suite struct IECSizeTests {
    static let good: [(String, UInt64)] = [
        ("1gib", 1_073_741_824), ("1024mib", 1_073_741_824), ("1048576kib", 1_073_741_824), ("64mib", 67_108_864),
        ("2tib", 2_199_023_255_552), ("1GiB", 1_073_741_824), ("512MIB", 536_870_912), ("0kib", 0),
        ("0008mib", 8_388_608)
    ]

    @Test(arguments: good)
    func iecUnitsParse(text: String, bytes: UInt64) throws {
        #expect(try IECSize.parse(text).get().bytes == bytes)
    }

    /// Decimal units are refused with the reason and the IEC spelling to use instead.
    @Test(arguments: [
        (
            "1gb",
            #""1gb" is not an IEC size: gb is ambiguous (10ⁿ or 2ⁿ bytes); write 1gib (use 1gib, 1024mib, 1048576kib …)"#
        ),
        (
            "512MB",
            #""512MB" is not an IEC size: mb is ambiguous (10ⁿ or 2ⁿ bytes); write 512mib (use 1gib, 1024mib, 1048576kib …)"#
        ),
        (
            "2t",
            #""2t" is not an IEC size: t is ambiguous (10ⁿ or 2ⁿ bytes); write 2tib (use 1gib, 1024mib, 1048576kib …)"#
        ),
        (
            "100k",
            #""100k" is not an IEC size: k is ambiguous (10ⁿ or 2ⁿ bytes); write 100kib (use 1gib, 1024mib, 1048576kib …)"#
        )
    ])
    func decimalUnitsAreRefusedSayingWhy(text: String, message: String) {
        #expect(IECSize.parse(text).failureMessage == message)
    }

    @Test(arguments: [
        ("1.5gib", #""1.5gib" is not an IEC size (use 1gib, 1024mib, 1048576kib …)"#),
        ("gib", #""gib" is not an IEC size (use 1gib, 1024mib, 1048576kib …)"#),
        ("", #""" is not an IEC size (use 1gib, 1024mib, 1048576kib …)"#),
        ("1 gib", #""1 gib" is not an IEC size (use 1gib, 1024mib, 1048576kib …)"#),
        ("-1gib", #""-1gib" is not an IEC size (use 1gib, 1024mib, 1048576kib …)"#),
        ("1024", #""1024" is not an IEC size (use 1gib, 1024mib, 1048576kib …)"#),
        ("1pib", #""1pib" is not an IEC size (use 1gib, 1024mib, 1048576kib …)"#),
        ("١gib", #""١gib" is not an IEC size (use 1gib, 1024mib, 1048576kib …)"#),
        ("99999999999tib", #""99999999999tib" is too large"#),
        ("99999999999999999999999kib", #""99999999999999999999999kib" is too large"#)
    ])
    func otherMistakesAreRefused(text: String, message: String) {
        #expect(IECSize.parse(text).failureMessage == message)
    }

    static let printed: [(UInt64, String, String)] = [
        (1_073_741_824, "1gib", "1.0gib"), (1_610_612_736, "1536mib", "1.5gib"), (536_870_912, "512mib", "512.0mib"),
        (1_099_511_627_776, "1tib", "1.0tib"), (1000, "1000b", "1000b"), (3072, "3kib", "3.0kib")
    ]

    @Test(arguments: printed)
    func sizesPrintShortestExactAndNormalised(bytes: UInt64, description: String, normalized: String) {
        #expect(IECSize(bytes: bytes).description == description)
        #expect(IECSize(bytes: bytes).normalized == normalized)
    }

    @Test func sizesCompareByBytes() throws {
        #expect(IECSize(bytes: 1 << 20) < IECSize(bytes: 1 << 30))
        #expect(try IECSize.parse("1024mib").get() == IECSize.parse("1gib").get())
    }
}
