import KilnBuilder
import KilnReconciler

/// Sends VM callbacks through ``SafePost``: the download rules for addresses and redirects, a deadline per attempt.
public struct SafeCallbackSender: CallbackSender {
    public var timeout: Duration

    public init(timeout: Duration = .seconds(10)) {
        self.timeout = timeout
    }

    public func post(_ url: String, json: String) async throws -> Int {
        do {
            return try await SafePost(timeout: timeout).post(url, json: json)
        } catch {
            switch error {
            case .urlRefused, .tooManyRedirects: throw ActionFailure(.badRequest, "callbackUrl refused: \(error)")
            default: throw ActionFailure(.networkError, "\(error)")
            }
        }
    }
}
