import Foundation
import KilnCatalog
import KilnSpec
import Logging
import Metrics

/// Sends VM callbacks in the background, so that a slow or hanging listener never holds up a reconcile pass.
///
/// A VM generation is called back once, when the guest is up or when the machine failed (or missed its boot
/// deadline): each attempt is recorded in the catalog before the next one, so a restarted Kiln neither calls again
/// after a success nor tries more than ``attempts`` times in all. Attempts back off (1 s, 2 s, 4 s …); each has the
/// sender's own deadline.
actor CallbackDispatcher {
    let sender: any CallbackSender
    let catalog: any Catalog
    let attempts: Int
    let backoff: Duration
    /// The reconciler's wall clock: when each attempt is recorded.
    let now: @Sendable () -> Date
    let logger: Logger
    private var inFlight: [String: Task<Void, Never>] = [:]
    /// Generations this process has finished with (delivered, refused or out of attempts): a pass may still hold a
    /// catalog snapshot from before the last attempt was recorded, and must not start another.
    private var done: Set<String> = []

    init(
        sender: any CallbackSender, catalog: any Catalog, attempts: Int, backoff: Duration,
        now: @escaping @Sendable () -> Date = { Date() }, logger: Logger
    ) {
        self.sender = sender
        self.now = now
        self.catalog = catalog
        self.attempts = attempts
        self.backoff = backoff
        self.logger = logger
    }

    /// Whether a delivery is under way.
    var isBusy: Bool { !inFlight.isEmpty }

    /// Waits for the deliveries under way (for tests and a clean shutdown).
    func drain() async {
        while let task = inFlight.values.first { await task.value }
    }

    /// Starts the deliveries that are due.
    func dispatch(_ vms: [VMRecord], deliveries: [String: [CallbackDelivery]], now: Date) {
        for vm in vms.sorted(by: { $0.name < $1.name }) {
            guard let url = vm.typed.callbackUrl, let event = Self.event(vm, now: now) else { continue }
            let key = "\(vm.uuid)#\(vm.generation)"
            guard inFlight[key] == nil, !done.contains(key) else { continue }
            let past = Self.attempts(of: vm, in: deliveries)
            // Delivered, refused, or in doubt (an attempt whose answer was never recorded): no further call.
            guard !past.contains(where: { $0.delivered || $0.refused || !$0.finished }), past.count < attempts else {
                continue
            }
            let json = VMBuilderJSON.document(vm, event: event, now: now).canonicalJSON
            let first = past.count + 1
            inFlight[key] = Task { [weak self] in
                await self?.deliver(vm, url: url, json: json, event: event, first: first)
                await self?.finished(key)
            }
        }
    }

    private func finished(_ key: String) {
        inFlight[key] = nil
        done.insert(key)
    }

    private func deliver(_ vm: VMRecord, url: String, json: String, event: CallbackDelivery.Event, first: Int) async {
        for attempt in first...attempts {
            var delivery = CallbackDelivery(
                vmName: vm.name, vmUuid: vm.uuid, generation: vm.generation, url: url,
                event: event, attempt: attempt, at: now())
            // The attempt is written before the POST: if Kiln stops before its outcome is recorded, the next Kiln
            // does not call again (it may have been delivered).
            do {
                delivery = try await catalog.recordCallback(delivery)
            } catch {
                logger.error("cannot record the callback of VirtualMachine \(vm.name), so it is not sent: \(error)")
                return
            }
            do {
                let status = try await sender.post(url, json: json)
                delivery.httpStatus = status
                delivery.delivered = (200..<300).contains(status)
                if !delivery.delivered { delivery.error = "the listener answered HTTP \(status)" }
            } catch {
                let failure = ActionFailure(error)
                delivery.error = failure.message
                delivery.refused = failure.isTerminal
            }
            delivery.finished = true
            do {
                _ = try await catalog.recordCallback(delivery)
            } catch {
                logger.error("cannot record the callback of VirtualMachine \(vm.name): \(error)")
            }
            Counter(
                label: "kiln_vm_callbacks_total",
                dimensions: [
                    ("result", delivery.delivered ? "delivered" : delivery.refused ? "refused" : "failed")
                ]
            ).increment()
            if delivery.delivered {
                logger.info("called back \(url) for VirtualMachine \(vm.name) (\(event.rawValue))")
                return
            }
            logger.warning(
                "callback of VirtualMachine \(vm.name) to \(url), attempt \(attempt) of \(attempts): \(delivery.error ?? "")"
            )
            if delivery.refused || attempt == attempts { return }
            try? await Task.sleep(for: backoff * (1 << min(attempt - first, 6)))
        }
    }

    /// Why a VM is due a callback now, if it is: up (ready), or failed (or past its boot deadline).
    static func event(_ vm: VMRecord, now: Date) -> CallbackDelivery.Event? {
        if vm.vmStatus == .poweredOn, vm.guestReady { return .ready }
        if vm.vmStatus == .failed || vm.missedBootDeadline(now: now) { return .failed }
        return nil
    }

    /// This generation's attempts.
    static func attempts(of vm: VMRecord, in deliveries: [String: [CallbackDelivery]]) -> [CallbackDelivery] {
        (deliveries[vm.name] ?? []).filter { $0.vmUuid == vm.uuid && $0.generation == vm.generation }
    }
}
