/// Whether the server may say it is ready: after the first reconcile pass finished.
public actor ServerHealth {
    public private(set) var ready = false

    public init() {}

    public func markReady() { ready = true }
}
