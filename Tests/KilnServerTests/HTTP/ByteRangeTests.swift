import KilnServer
import Testing

@Suite struct ByteRangeTests {
    @Test(
        arguments: [
            (nil, 100, ByteRange.whole),
            ("bytes=0-9", 100, .part(0...9)),
            ("bytes=90-", 100, .part(90...99)),
            ("bytes=-10", 100, .part(90...99)),
            ("bytes=-500", 100, .part(0...99)),
            ("bytes=50-5000", 100, .part(50...99)),
            ("bytes=100-", 100, .unsatisfiable),
            ("bytes=200-300", 100, .unsatisfiable),
            ("bytes=-0", 100, .unsatisfiable),
            ("bytes=0-", 0, .unsatisfiable),
            ("bytes=0-1,5-6", 100, .whole),
            ("items=0-9", 100, .whole),
            ("bytes=9-0", 100, .whole),
            ("bytes=x-y", 100, .whole),
            ("BYTES = 0-0", 100, .whole),
            ("Bytes=0-0", 100, .part(0...0))
        ] as [(String?, Int, ByteRange)])
    func readsOneRangeOfTheFile(header: String?, size: Int, expected: ByteRange) {
        #expect(ByteRange.parse(header, size: size) == expected)
    }
}
