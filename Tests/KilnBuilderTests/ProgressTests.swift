import Testing

@testable import KilnBuilder

/// Progress arithmetic: budgets per group of stages, rising to 100.
@Suite struct ProgressTests {
    @Test func quickstartPlan() {
        let plan = ProgressPlan(scripts: ["a", "b"], formats: [.raw, .qcow2, .vmdk], compression: .none)
        #expect(
            plan.stages.map(\.message) == [
                "Fetching", "Unpacking", "Provisioning: a", "Provisioning: b",
                "Creating disk", "Converting: qcow2", "Converting: vmdk", "Verifying",
                "Checksumming", "Done"
            ])
        // Budgets: 5 + 5 + 40 + 10 + 20 + 5 + 5 = 90, scaled to 100.
        let expected: [(BuildStage, Double)] = [
            (.fetching, 0), (.unpacking, 5.6), (.provisioning(script: "a"), 11.1), (.provisioning(script: "b"), 33.3),
            (.creatingDisk, 55.6), (.converting(format: "qcow2"), 66.7), (.converting(format: "vmdk"), 77.8),
            (.verifying, 88.9), (.checksumming, 94.4), (.done, 100)
        ]
        for (stage, percent) in expected {
            #expect(plan.percent(atStartOf: stage) == percent, "\(stage.message)")
        }
    }

    @Test func planWithoutScriptsOrConversions() {
        let plan = ProgressPlan(scripts: [], formats: [.raw], compression: .none)
        #expect(plan.stages == [.fetching, .unpacking, .creatingDisk, .verifying, .checksumming, .done])
        #expect(plan.percent(atStartOf: .creatingDisk) == 33.3)
        #expect(plan.percent(atStartOf: .provisioning(script: "absent")) == 0)
    }

    @Test func packagingAndCompressionStages() {
        let plan = ProgressPlan(scripts: ["s"], formats: [.raw, .qcow2, .ovf], compression: .zstd)
        #expect(
            plan.stages.map(\.message).suffix(6) == [
                "Verifying", "Packaging: ovf", "Compressing: raw",
                "Compressing: qcow2", "Checksumming", "Done"
            ])
        let percents = plan.stages.map(plan.percent(atStartOf:))
        #expect(percents == percents.sorted())
        #expect(percents.last == 100)
    }

    @Test func reporterNeverGoesDown() {
        let seen = ProgressLog()
        var reporter = ProgressReporter(plan: ProgressPlan(scripts: ["a"], formats: [.raw], compression: .none)) {
            seen.append($0)
        }
        reporter.enter(.creatingDisk)
        reporter.enter(.fetching)
        reporter.enter(.provisioning(script: "not in the plan"))
        reporter.enter(.done)
        #expect(seen.all.map(\.statusMessage) == ["Creating disk", "Fetching", "Provisioning: not in the plan", "Done"])
        #expect(seen.all.map(\.statusPercent) == [71.4, 71.4, 71.4, 100])
    }
}
