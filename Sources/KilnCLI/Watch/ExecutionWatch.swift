import Foundation

/// `kiln get executions NAME --watch`: applies a feed's updates to an ``ExecutionBoard`` and prints it, as a block of
/// progress bars redrawn in place on a terminal, or as one plain line per change elsewhere. Runs until interrupted,
/// or until the build is deleted (exit 0) or the feed fails.
struct ExecutionWatch {
    let build: String
    let terminal: Bool
    let color: Bool

    init(build: String) {
        self.build = build
        terminal = isatty(STDOUT_FILENO) == 1
        color = Output.colorful
    }

    /// Runs `feed`, drawing every update.
    func run(_ feed: ((WatchUpdate) throws -> Void) async throws -> Void) async throws {
        var board = ExecutionBoard(build: build)
        var drawn = 0
        do {
            try await feed { update in
                switch update {
                case .all(let executions): board.reset(executions)
                case .one(let execution): board.apply(execution)
                case .gone: throw Gone()
                }
                if terminal {
                    let lines = board.terminalLines(width: Self.columns(), color: color)
                    // Up to the block's first line, clear to the end of the screen, draw again.
                    let up = drawn > 0 ? "\u{1B}[\(drawn)A\r\u{1B}[J" : ""
                    Output.out(up + lines.joined(separator: "\n"))
                    drawn = lines.count
                } else {
                    for line in board.changedLines() { Output.out(line) }
                }
            }
        } catch is Gone {
            Output.err("ImageBuild \(build) was deleted")
        }
    }

    struct Gone: Error {}

    /// The terminal's width, so that no line wraps (a wrapped line would break the redraw).
    static func columns() -> Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 100
    }
}
