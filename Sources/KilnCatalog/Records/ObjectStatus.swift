import Foundation
import KilnSpec

/// One condition of an object's status, as Kubernetes and Flux write them.
public struct Condition: Sendable, Hashable, Codable {
    public enum ConditionType: String, Sendable, Hashable, Codable, CaseIterable {
        /// Always present: whether the object is as git asks.
        case ready = "Ready"
        /// Present only while Kiln is working on the object.
        case reconciling = "Reconciling"
        /// Present only while the object cannot progress without a change in git (or on the host).
        case stalled = "Stalled"
    }

    public var type: ConditionType
    public var status: Bool
    public var reason: String
    public var message: String
    /// Changes only when `status`, `reason` or `message` really change.
    public var lastTransitionTime: Date

    public init(type: ConditionType, status: Bool, reason: String, message: String, lastTransitionTime: Date) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
    }
}

/// What Kiln last concluded about an object.
public struct ObjectStatus: Sendable, Hashable, Codable {
    public var conditions: [Condition]
    /// The commit whose spec this status describes.
    public var observedRevision: String?
    public var observedSpecHash: String?

    public init(conditions: [Condition] = [], observedRevision: String? = nil, observedSpecHash: String? = nil) {
        self.conditions = conditions
        self.observedRevision = observedRevision
        self.observedSpecHash = observedSpecHash
    }

    public func condition(_ type: Condition.ConditionType) -> Condition? {
        conditions.first { $0.type == type }
    }

    public var isReady: Bool { condition(.ready)?.status == true }
}
