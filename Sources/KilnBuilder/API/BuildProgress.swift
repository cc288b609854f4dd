/// Where an execution is: `statusMessage` names the phase (`Fetching`, `Unpacking`, `Provisioning: <script>`,
/// `Creating disk`, `Converting: qcow2`, `Verifying`, …) and `statusPercent` only ever rises, ending at 100.
public struct BuildProgress: Sendable, Hashable {
    public var statusMessage: String
    public var statusPercent: Double

    public init(statusMessage: String, statusPercent: Double) {
        self.statusMessage = statusMessage
        self.statusPercent = statusPercent
    }
}
