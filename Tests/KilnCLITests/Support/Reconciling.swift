// The end-to-end support (Scratch, GitRepository, DataDirectory, Stack, Specs, …) lives in the KilnEndToEnd library,
// shared with KilnFaultTests; exported here so every file of this target sees it.
@_exported import KilnEndToEnd
import Testing

/// The suites that reconcile for real (builds, VMs, SIGKILLs). They run one at a time, so that on a small CI machine
/// their timings (a crash test's kill points, a VM's boot) do not depend on each other.
@Suite(.serialized, .tags(.binary, .slow))
enum Reconciling {}
