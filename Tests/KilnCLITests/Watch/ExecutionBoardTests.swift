import Foundation
import KilnSpec
import Testing

@testable import KilnCLI

/// What `--watch` prints, from updates, without a terminal.
@Suite struct ExecutionBoardTests {
    static let start = Date(timeIntervalSince1970: 1_767_225_600)

    @Test func plainOutputIsOneLinePerChange() {
        var board = ExecutionBoard(build: "web")
        board.reset([
            WatchedExecution(number: 1, status: "success", percent: 100, started: Self.start, ended: Self.start + 95),
            WatchedExecution(number: 2, status: "pending")
        ])
        #expect(board.changedLines() == ["web #1 success in 1 min 35 s", "web #2 pending 0%"])
        board.apply(WatchedExecution(number: 2, status: "running", percent: 40, eta: 57, message: "provision: install"))
        #expect(board.changedLines() == ["web #2 running 40% ETA 57 s - provision: install"])
        board.apply(WatchedExecution(number: 2, status: "running", percent: 40, eta: 57, message: "provision: install"))
        #expect(board.changedLines().isEmpty, "nothing new, nothing printed")
        board.apply(
            WatchedExecution(number: 2, status: "failed", percent: 40, error: "script install exited with status 2"))
        #expect(board.changedLines() == ["web #2 failed: script install exited with status 2"])
    }

    @Test func aTerminalGetsBarsNewestFirstCutToItsWidth() {
        var board = ExecutionBoard(build: "web")
        board.reset([
            WatchedExecution(number: 1, status: "success", started: Self.start, ended: Self.start + 3725),
            WatchedExecution(number: 2, status: "running", percent: 50, eta: 90, message: "converting: qcow2")
        ])
        #expect(
            board.terminalLines(width: 200, color: false) == [
                "web: 2 executions, 1 active",
                "  #2   running  [████████████░░░░░░░░░░░░]  50%  ETA 1 min 30 s  converting: qcow2",
                "  #1   success  took 1 h 2 min"
            ])
        let narrow = board.terminalLines(width: 40, color: false)
        #expect(narrow[1] == "  #2   running  [████████████░░░░░░░░░░…")
        #expect(narrow.allSatisfy { $0.count <= 40 })
        let colored = board.terminalLines(width: 200, color: true)
        #expect(colored[1].contains("\u{1B}[36mrunning  \u{1B}[0m"))
        #expect(colored[2].contains("\u{1B}[32msuccess  \u{1B}[0m"))
    }

    @Test func anEmptyBuildSaysSo() {
        #expect(
            ExecutionBoard(build: "web").terminalLines(width: 80, color: false) == [
                "web: 0 executions", "  no execution yet"
            ])
    }

    @Test func bothShapesOfAnExecutionAreRead() throws {
        // The Morpheus shape of an `execution` event: integers.
        let event = try #require(
            WatchedExecution(
                .object([
                    "buildNumber": .int(3), "status": .string("running"), "statusPercent": .int(40),
                    "statusEta": .int(57),
                    "statusMessage": .string("provision"), "startDate": .string("2026-01-01T00:00:00Z"),
                    "endDate": .null
                ])))
        #expect(
            event
                == WatchedExecution(
                    number: 3, status: "running", percent: 40, eta: 57, message: "provision", started: Self.start))
        // `kiln get`'s status document: fractions.
        let document = try #require(
            WatchedExecution(
                .object([
                    "buildNumber": .int(3), "status": .string("running"), "statusPercent": .double(39.6),
                    "statusEta": .double(56.7),
                    "statusMessage": .string("provision"), "startDate": .string("2026-01-01T00:00:00Z")
                ])))
        #expect(document == event)
        #expect(WatchedExecution(.object(["status": .string("running")])) == nil)
    }
}
