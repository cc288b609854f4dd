import Testing

@testable import KilnBench

/// `kiln-bench growth`'s line on how a figure grows: judged from the smallest size to the largest, steps listed.
@Suite struct GrowthVerdictTests {
    @Test func linearOrBetterOverTheWholeRangeEvenWithANoisyStep() {
        let line = GrowthBenchmark.growth([(1000, 1), (10_000, 12), (50_000, 40)], of: "time")
        #expect(
            line
                == "time grows linearly or better from 1000 to 50000 objects: ×40.0 for ×50 objects (steps: 1000 to 10000 ×12.0 for ×10 objects (faster than linear), 10000 to 50000 ×3.3 for ×5 objects)"
        )
    }

    @Test func fasterThanLinearWhenTheWholeRangeIs() {
        let line = GrowthBenchmark.growth([(1000, 1), (10_000, 11), (50_000, 121)], of: "time")
        #expect(line.hasPrefix("time grows FASTER than linearly from 1000 to 50000 objects: ×121.0 for ×50 objects"))
    }

    @Test func figuresCarryTheVerdictOnTheLargestSizeOnly() {
        let points = [
            GrowthBenchmark.Point(size: 100, milliseconds: 10, peakBytes: 50_000_000, note: "a"),
            GrowthBenchmark.Point(size: 1000, milliseconds: 90, peakBytes: 80_000_000, note: "b")
        ]
        let figures = GrowthBenchmark.figures("load of N files", points, peakOf: "the child")
        #expect(
            figures.map(\.name) == [
                "load of 100 files: time", "load of 100 files: peak RSS", "load of 1000 files: time",
                "load of 1000 files: peak RSS"
            ])
        #expect(figures[0].note == "a")
        #expect(figures[2].note?.contains("time grows linearly or better") == true)
        #expect(figures[3].note?.contains("peak RSS grows linearly or better") == true)
        #expect(figures[3].kiln == 80)
    }
}
