/// Delivers a VM's callback (the VM builder service's `callback_url`).
public protocol CallbackSender: Sendable {
    /// POSTs `json` to `url` and returns the HTTP status of the answer. A URL (or a redirect) that the address rules
    /// refuse throws a terminal ``ActionFailure``; a timeout or a connection error a transient one.
    func post(_ url: String, json: String) async throws -> Int
}
