import Foundation
import KilnSpec

/// What `kiln get executions NAME --watch` shows of one execution. Read from either shape Kiln writes an execution
/// in: `kiln get`'s status document (data dir, `/kiln/v1/status`) or the Morpheus execution of an `execution` event.
struct WatchedExecution: Sendable, Hashable {
    var number: Int
    var status: String
    var percent: Int
    /// Seconds left, while it runs.
    var eta: Int?
    var message: String?
    var error: String?
    var started: Date?
    var ended: Date?

    init(
        number: Int, status: String, percent: Int = 0, eta: Int? = nil, message: String? = nil, error: String? = nil,
        started: Date? = nil, ended: Date? = nil
    ) {
        self.number = number
        self.status = status
        self.percent = percent
        self.eta = eta
        self.message = message
        self.error = error
        self.started = started
        self.ended = ended
    }

    init?(_ value: SpecValue) {
        guard let number = value["buildNumber"]?.int, let status = value["status"]?.string else { return nil }
        func numeric(_ key: String) -> Double? {
            switch value[key] {
            case .int(let i)?: Double(i)
            case .double(let d)? where d.isFinite: d
            default: nil
            }
        }
        func date(_ key: String) -> Date? { value[key]?.string.flatMap { try? Date($0, strategy: .iso8601) } }
        self.init(
            number: number, status: status, percent: Int((numeric("statusPercent") ?? 0).rounded()).clamped(0, 100),
            eta: numeric("statusEta").map { Int($0.rounded()) }, message: value["statusMessage"]?.string,
            error: value["errorMessage"]?.string, started: date("startDate"), ended: date("endDate"))
    }

    var finished: Bool { ["success", "failed", "cancelled"].contains(status) }
}

extension Int {
    func clamped(_ low: Int, _ high: Int) -> Int { Swift.min(high, Swift.max(low, self)) }
}
