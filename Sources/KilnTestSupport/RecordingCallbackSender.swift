import Foundation
import KilnReconciler

/// A callback sender for tests: records every POST and answers as told (an HTTP status, a refusal, an error, or a
/// hang until `release()`).
public actor RecordingCallbackSender: CallbackSender {
    public enum Answer: Sendable {
        case status(Int)
        case refuse(String)
        case fail(String)
        case hang
    }

    public private(set) var posts: [(url: String, json: String)] = []
    var answers: [Answer] = []
    var fallback: Answer = .status(200)
    var hanging: [CheckedContinuation<Void, Never>] = []

    public init() {}

    /// Answers in this order, then `fallback`.
    public func answer(_ answers: [Answer], then fallback: Answer = .status(200)) {
        self.answers = answers
        self.fallback = fallback
    }

    /// Ends every hanging POST with a timeout error.
    public func release() {
        for waiter in hanging { waiter.resume() }
        hanging.removeAll()
    }

    public func post(_ url: String, json: String) async throws -> Int {
        posts.append((url, json))
        let answer = answers.isEmpty ? fallback : answers.removeFirst()
        switch answer {
        case .status(let code): return code
        case .refuse(let why): throw ActionFailure(.badRequest, why)
        case .fail(let why): throw ActionFailure(.networkError, why)
        case .hang:
            await withCheckedContinuation { hanging.append($0) }
            throw ActionFailure(.networkError, "no answer within the deadline")
        }
    }
}
