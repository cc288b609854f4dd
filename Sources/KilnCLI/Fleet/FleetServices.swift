import Foundation
import KilnCatalog
import KilnReconciler
import KilnServer
import Logging
import ServiceLifecycle

/// Campaigns for the fleet's lead until shutdown (see ``PostgresLeaderElection``; on SQLite this host leads alone).
struct ElectionService: Service {
    let election: any LeaderElection
    let leadership: Leadership

    func run() async throws {
        try? await cancelWhenGracefulShutdown { await election.run(leadership) }
    }
}

/// Registers this host in the catalog's hosts table and renews its heartbeat every `lease / 3`; after each beat it
/// reads the fleet's hosts for `GET /kiln/v1/hosts`. A failed beat is retried at the next tick (the host turns Lost
/// for the others if that lasts a lease). In a fleet, before its first beat, it checks that no other live host uses
/// its data dir path, and ends `kiln serve` with ``DataDirConflictError`` if one does (before it registers, so that
/// nothing is placed on it). On one host's SQLite catalog, which lives in the data dir, every row names that dir.
struct HostHeartbeatService: Service {
    let catalog: any Catalog
    let status: FleetStatus
    let facts: HostFacts
    let address: AdvertisedAddress
    /// Whether the catalog is a fleet's (shared by hosts on other machines).
    var fleet = false
    let logger: Logger

    func run() async throws {
        var failing = false
        var checked = false
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                if fleet, !checked,
                    let other = try await catalog.hosts().sharingDataDir(facts.dataDir, with: facts.name)
                {
                    throw DataDirConflictError(host: facts.name, dataDir: facts.dataDir, other: other)
                }
                checked = true
                _ = try await catalog.heartbeat(facts.record(address: await address.value))
                await status.update(try await catalog.hosts(), claims: try await catalog.claimedWork(host: nil))
                if failing { logger.info("host heartbeat: the catalog answers again") }
                failing = false
            } catch let conflict as DataDirConflictError {
                throw conflict
            } catch {
                if !failing { logger.warning("host heartbeat failed: \(error); retrying every \(facts.lease / 3)") }
                failing = true
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: facts.lease / 3) }
        }
    }
}

/// A fleet host's pass over the VMs placed on it (``HostPass``), on every replica, leader or not: every `lease / 3` (or
/// the interval, if shorter), every second while something of its own is in flight, and at once when `waker` is woken
/// (``ChangeListenerService``: the leader placed a VM or applied a commit). The VMs go on running when it stops.
struct HostPassService: Service {
    let pass: HostPass
    /// Where each pass leaves what the VMs placed here take, for ``BuildWorkService``'s claims.
    let reserved: HostReservation
    let interval: Duration
    let lease: Duration
    let waker: LoopWaker
    let logger: Logger

    func run() async throws {
        var failing = false
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let report = await pass.pass()
            if let error = report.error {
                if !failing { logger.warning("host pass: \(error); retrying") }
                failing = true
            } else {
                if failing { logger.info("host pass: the catalog answers again") }
                failing = false
                await reserved.set(report.reserved)
            }
            let base = report.busy ? min(interval, .seconds(1)) : min(interval, lease / 3)
            let wait = base * Double.random(in: 0.9...1.1)
            await cancelWhenGracefulShutdown { [waker] in await waker.wait(wait) }
        }
        await pass.shutdown()
    }
}

/// What the VMs running on this host take of it, as its last host pass saw them. They come first: the host's build
/// claims fit what is left, so the two together stay within what the host offers. (A VM still waiting for its image
/// takes nothing yet, so it never keeps that image's build off the host.)
actor HostReservation {
    private(set) var value = WorkCapacity(cpus: 0, memoryBytes: 0)
    func set(_ capacity: WorkCapacity) { value = capacity }
}
