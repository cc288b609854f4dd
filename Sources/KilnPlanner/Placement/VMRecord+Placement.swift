import KilnCatalog

extension VMRecord {
    /// Puts the VM on `host` (nil: on none) for `reason`. A VM that leaves a host it was made on starts afresh on the
    /// next: the machine it had (folder, process, address …) belongs to the old host, which stops it when it sees the
    /// VM placed elsewhere; the new host provisions its own from the same Image.
    public mutating func placeOn(_ newHost: String?, reason: String) {
        let left = host != nil && host != newHost
        host = newHost
        placementReason = reason
        guard left else { return }
        vmStatus = .waiting
        guestReady = false
        ipAddress = nil
        guestOs = nil
        directory = nil
        pid = nil
        pidStartTime = nil
        qmpSocket = nil
        acceleration = nil
        bootStartedAt = nil
        readyAt = nil
        consoleTail = nil
        bridge = nil
        tapDevice = nil
        macAddress = nil
        errorCode = nil
        errorMessage = nil
    }
}
