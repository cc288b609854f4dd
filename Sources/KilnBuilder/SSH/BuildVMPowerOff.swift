/// How the build VM ends after its last step: its disk filesystems remounted read-only, then qemu quit over QMP,
/// instead of the guest's full `poweroff` (systemd stopping every service and unmounting: 5-9 s under TCG here).
///
/// Why that is safe: `mount -o remount,ro` of an ext4 filesystem succeeds only when no file on it is open for writing
/// and no deleted file is still open (the kernel answers EBUSY otherwise), and on success it has written every dirty
/// page, flushed the journal into the filesystem, cleared `needs_recovery` and marked the superblock clean: what
/// unmounting does. vfat (the EFI system partition) clears its dirty flag the same way. From then on nothing in the
/// guest can change the disk, so ending qemu loses nothing, and the disk is exactly what a power-off would have left
/// (minus what services write while stopping: the random seed, utmp, the journal, which the clean template removes
/// anyway). When any remount fails (a service still writing a log, say), the guest powers off as before. Kiln then
/// reads the root filesystem's superblock on the host (``rootProblem(superblock:)``): clean, no journal to replay, no
/// orphan list; if it were not, `e2fsck -p` repairs it as the next boot would, and a failure fails the build.
enum BuildVMPowerOff {
    /// Printed by ``program`` when every disk filesystem is read-only: Kiln may quit qemu.
    static let readOnlyMarker = "kiln: disk filesystems read-only"

    /// Run before the build's journal files are deleted: journald closes its files under /var (it logs to /run from
    /// then on), so they are freed at once and do not keep `/` from going read-only. Nothing on images without it.
    static let relinquishJournal = "journalctl --relinquish-var >/dev/null 2>&1 || true"

    /// The end of the last step: every filesystem on a `/dev/…` device still read-write is remounted read-only; if all
    /// of them went, says ``readOnlyMarker``, else powers the guest off.
    static let program = """
        kiln_read_only=yes
        while read -r kiln_device kiln_folder kiln_type kiln_options kiln_rest; do
            case "$kiln_device" in /dev/*) ;; *) continue ;; esac
            case ",$kiln_options," in
            *,rw,*) mount -o remount,ro "$kiln_folder" 2>/dev/null || kiln_read_only=no ;;
            esac
        done < /proc/mounts
        if [ "$kiln_read_only" = yes ]; then
            echo '\(readOnlyMarker)'
        else
            systemctl poweroff --no-block 2>/dev/null || poweroff
        fi

        """

    /// Why the ext4 filesystem whose superblock is `block` (the 1024 bytes 1024 bytes into it) is not as an unmount
    /// leaves it, or nil when it is: clean, no errors, no journal to replay, no orphan inodes.
    static func rootProblem(superblock block: [UInt8]) -> String? {
        if case .failure(let refusal) = InPlaceRoot.filesystemBytes(superblock: block) { return refusal.reason }
        let lastOrphan = (0..<4).reduce(UInt32(0)) { $0 | UInt32(block[0xE8 + $1]) << (8 * UInt32($1)) }
        return lastOrphan == 0 ? nil : "its root filesystem has orphan inodes to clean up"
    }
}
