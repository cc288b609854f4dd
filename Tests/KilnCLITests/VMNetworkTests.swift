import Foundation
import KilnSpec
import KilnTestSupport
import Testing

extension Reconciling {
    /// `networkType: hostonly` and `bridged` for real, inside a network namespace the test makes (never the host's own
    /// interfaces): the real `kiln serve` runs in it under `ip netns exec`, with the quickstart VM under TCG.
    ///
    /// The quickstart image's init does no networking, so this test's copy asks for a lease with busybox's udhcpc.
    /// Kiln makes the host-only bridge and dnsmasq; the VM leases an address that its status reports (from dnsmasq's
    /// leases: the image has no guest agent) and the host side pings; a client in a second namespace, plugged into the
    /// bridge, gets another address. A bridged VM gets a tap device on the operator's bridge, deleted with the VM.
    /// `kiln teardown` ends dnsmasq by its pid and, with `--purge`, deletes the bridge Kiln made. Without
    /// CAP_NET_ADMIN, the host-only VM fails terminally with a status naming `--vm-hostonly-bridge`.
    @Suite(
        .tags(.qemu),
        .enabled(
            if: BootHost.canBoot && NetworkNamespace.available,
            "needs root, ip, /dev/net/tun, qemu-system-x86_64, qemu-img, /vmlinuz and /initrd.img"))
    struct VMNetworkTests {
        static let vmFlags = [
            "--path", "quickstart", "--interval", "1s", "--vm-kernel", BootHost.kernel,
            "--vm-initrd", BootHost.initrd, "--vm-stop-grace", "2s", "--vm-accel", "tcg",
            "--vm-bridge", "br-op"
        ]

        /// The quickstart's init, plus a DHCP client that configures the first interface off loopback.
        static func askForLease(_ repo: GitRepository) throws {
            try repo.edit(
                "quickstart/scripts/install-init.sh", replacing: "echo \"KILN-GUEST-READY",
                with: """
                    for n in /sys/class/net/*; do n=${n##*/}; [ "$n" = lo ] || break; done
                    /bin/ifconfig "$n" up
                    /bin/udhcpc -i "$n" -n -q -t 30 -T 2 -s /etc/udhcpc.sh || echo "KILN-NO-LEASE on $n"
                    echo "KILN-GUEST-READY
                    """)
            try repo.edit(
                "quickstart/scripts/install-init.sh", replacing: "chmod 0755 sbin/init",
                with: """
                    chmod 0755 sbin/init
                    cat > etc/udhcpc.sh <<'SCRIPT'
                    #!/bin/sh
                    case "$1" in
                        deconfig) /bin/ifconfig "$interface" 0.0.0.0 up ;;
                        bound|renew) /bin/ifconfig "$interface" "$ip" netmask "$subnet" up; echo "KILN-LEASE $ip" ;;
                    esac
                    exit 0
                    SCRIPT
                    chmod 0755 etc/udhcpc.sh
                    """)
        }

        @Test(.timeLimit(.minutes(10)))
        func hostonlyAndBridged() async throws {
            try await NetworkNamespace.with { ns in
                try await Scratch.with { scratch in
                    try await exercise(ns, scratch)
                }
            }
        }

        func exercise(_ ns: NetworkNamespace, _ scratch: Scratch) async throws {
            // The operator's bridge, inside the namespace.
            try await ns.run(["ip", "link", "add", "name", "br-op", "type", "bridge"])
            try await ns.run(["ip", "link", "set", "dev", "br-op", "up"])
            let repo = try await GitRepository(at: scratch.file("repo"))
            try QuickstartBuildTests.copyQuickstart(into: repo)
            try Self.askForLease(repo)
            try repo.edit("quickstart/vms/hello-1.yaml", replacing: "networkType: nat", with: "networkType: hostonly")
            try repo.write(
                "quickstart/vms/hello-2.yaml",
                try repo.read("quickstart/vms/hello-1.yaml")
                    .replacingOccurrences(of: "name: hello-1", with: "name: hello-2")
                    .replacingOccurrences(of: "networkType: hostonly", with: "networkType: bridged"))
            try await repo.commit("Two VMs: host-only and bridged")
            let data = DataDirectory(path: scratch.dataDir)
            let hostonly = VMHost(data: data, name: "hello-1")
            let bridged = VMHost(data: data, name: "hello-2")
            let kiln = try KilnBinary.require()

            let serve = try await ServeProcess.start(
                repo: repo.path, dataDir: data.path, extra: Self.vmFlags, namespace: ns)
            do {
                // MARK: host-only: Kiln's bridge and dnsmasq; the VM's lease is its ipAddress, without a guest agent.
                #expect(
                    await VMHost.eventually {
                        hostonly.status?["ipAddress"]?.string?.hasPrefix("192.168.213.") == true
                    },
                    "\(String(describing: hostonly.status))")
                let address = try #require(hostonly.status?["ipAddress"]?.string)
                #expect(hostonly.status?["guestOs"]?.string == "", "no agent: the address came from dnsmasq's leases")
                let leases = try String(contentsOfFile: data.path + "/network/dnsmasq.leases", encoding: .utf8)
                #expect(leases.contains(" \(address) "), "\(leases)")
                let dnsmasqPid = try #require(
                    Int32(
                        try String(contentsOfFile: data.path + "/network/dnsmasq.pid", encoding: .utf8)
                            .trimmingCharacters(in: .whitespacesAndNewlines)))
                let dnsmasqCommand = String(
                    decoding: (FileManager.default.contents(atPath: "/proc/\(dnsmasqPid)/cmdline") ?? Data())
                        .map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
                #expect(dnsmasqCommand.contains("--interface=kiln0"), "\(dnsmasqCommand)")
                #expect(
                    try await ns.run(["cat", "/proc/sys/net/ipv4/conf/kiln0/forwarding"]) == "0\n",
                    "nothing routed off the bridge")
                let hostonlyTap = try #require(
                    hostonly.folder.flatMap { try? String(contentsOfFile: "\($0)/tap", encoding: .utf8) }?
                        .trimmingCharacters(in: .whitespacesAndNewlines))
                #expect(try await ns.run(["ip", "-o", "link", "show", "dev", hostonlyTap]).contains("master kiln0"))
                // The host side reaches the guest: the guest configured its leased address.
                #expect(
                    await VMHost.eventually(timeout: .seconds(120)) {
                        await ns.succeeds(["busybox", "ping", "-c", "1", "-W", "2", address])
                    },
                    "the host cannot reach \(address); console: \(hostonly.folder.flatMap { try? String(contentsOfFile: "\($0)/console.log", encoding: .utf8) }?.suffix(2000) ?? "")"
                )

                // MARK: dnsmasq killed behind Kiln's back (by its recorded pid): the next pass starts it again.
                kill(dnsmasqPid, SIGKILL)
                func dnsmasqNow() -> Int32? {
                    guard let text = try? String(contentsOfFile: data.path + "/network/dnsmasq.pid", encoding: .utf8),
                        let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid != dnsmasqPid,
                        kill(pid, 0) == 0, !ProcessSweep.isZombie(pid)
                    else { return nil }
                    return pid
                }
                #expect(
                    await VMHost.eventually(timeout: .seconds(120)) { dnsmasqNow() != nil },
                    "dnsmasq was not started again")

                // MARK: a second client on the bridge (its own namespace, through a veth) leases another address.
                try await NetworkNamespace.with { client in
                    try await ns.run([
                        "ip", "link", "add", "vh0", "type", "veth", "peer", "name", "vc0", "netns", client.name
                    ])
                    try await ns.run(["ip", "link", "set", "dev", "vh0", "master", "kiln0", "up"])
                    try await client.run(["ip", "link", "set", "dev", "vc0", "up"])
                    // udhcpc reports on stderr: "udhcpc: lease of 192.168.213.7 obtained from 192.168.213.1, …".
                    let answer = try await client.result([
                        "busybox", "udhcpc", "-i", "vc0", "-n", "-q", "-t", "10", "-T", "2", "-s", "/bin/true"
                    ])
                    #expect(answer.exitCode == 0, "\(answer)")
                    let lease = answer.stdout + answer.stderr
                    let leased = lease.split(separator: "\n").first { $0.contains("lease of ") }
                        .flatMap { $0.split(separator: " ").drop { $0 != "of" }.dropFirst().first }.map(String.init)
                    #expect(leased?.hasPrefix("192.168.213.") == true && leased != address, "\(lease)")
                    // Peers on the bridge reach each other; nothing beyond it: dnsmasq handed out no router.
                    let peer = try #require(leased)
                    try await client.run(["ip", "addr", "add", "\(peer)/24", "dev", "vc0"])
                    #expect(
                        await VMHost.eventually(timeout: .seconds(60)) {
                            await client.succeeds(["busybox", "ping", "-c", "1", "-W", "2", address])
                        }, "a peer on the bridge cannot reach the VM at \(address)")
                    // What dnsmasq sent (it logs every option with --log-dhcp): a netmask, never a router or DNS server.
                    // (Clients' own requests name router and dns-server too: only the lines of what was sent count.)
                    let sent = try String(contentsOfFile: data.path + "/network/dnsmasq.log", encoding: .utf8)
                        .split(separator: "\n").filter { $0.contains(" sent size:") }.joined(separator: "\n")
                    #expect(
                        sent.contains("netmask  255.255.255.0") && !sent.contains("router")
                            && !sent.contains("dns-server"), "\(sent)")
                }

                // MARK: bridged: a tap device on the operator's bridge; removing the VM from git deletes it.
                #expect(
                    await VMHost.eventually {
                        bridged.pid != nil
                            && bridged.folder.map { FileManager.default.fileExists(atPath: "\($0)/tap") } == true
                    },
                    "\(String(describing: bridged.status))")
                let bridgedTap = try #require(
                    bridged.folder.flatMap { try? String(contentsOfFile: "\($0)/tap", encoding: .utf8) }?
                        .trimmingCharacters(in: .whitespacesAndNewlines))
                #expect(bridgedTap != hostonlyTap)
                #expect(try await ns.run(["ip", "-o", "link", "show", "dev", bridgedTap]).contains("master br-op"))
                #expect(bridged.status?["networkType"]?.string == "bridged")
                try repo.remove("quickstart/vms/hello-2.yaml")
                try await repo.commit("Retire hello-2")
                #expect(await VMHost.eventually { !data.statusExists("virtualmachine", "hello-2") })
                #expect(
                    await VMHost.eventually { !(await ns.succeeds(["ip", "link", "show", "dev", bridgedTap])) },
                    "the bridged VM's tap device outlives it")
            } catch {
                await serve.stop()
                throw error
            }
            await serve.stop()

            // MARK: teardown (inside the namespace): VMs, taps and dnsmasq end, by pid; the bridge stays until --purge.
            let teardown = try await ns.run([kiln, "teardown", "--data-dir", data.path])
            #expect(
                teardown.contains("stopped VirtualMachine hello-1") && teardown.contains("stopped dnsmasq"),
                "\(teardown)")
            #expect(hostonly.qemuProcesses.isEmpty)
            #expect(ProcessSweep.pids(mentioning: data.path + "/network/dnsmasq.pid").isEmpty, "dnsmasq ended")
            #expect(await ns.succeeds(["ip", "link", "show", "dev", "kiln0"]))

            // MARK: no CAP_NET_ADMIN: a host-only VM cannot get its bridge, and says so, naming the flag.
            let denied = try await ns.result(
                [
                    "setpriv", "--bounding-set", "-net_admin", "--inh-caps", "-net_admin", kiln,
                    "sync", "--repo", repo.path, "--data-dir", data.path, "--wait", "--timeout", "2m",
                    "--vm-hostonly-bridge", "kiln9"
                ]
                    + Self.vmFlags.filter { $0 != "--interval" && $0 != "1s" })
            let status = hostonly.status
            #expect(status?.ready?.reason == "NoBridge", "\(String(describing: status)) \(denied)")
            #expect(status?.ready?.message.contains("--vm-hostonly-bridge") == true, "\(String(describing: status))")
            #expect(!(await ns.succeeds(["ip", "link", "show", "dev", "kiln9"])))

            let purge = try await ns.run([kiln, "teardown", "--data-dir", data.path, "--purge"])
            #expect(purge.contains("deleted bridge kiln0"), "\(purge)")
            #expect(!(await ns.succeeds(["ip", "link", "show", "dev", "kiln0"])))
            #expect(await ns.pids().isEmpty, "nothing of Kiln's runs in the namespace any more")
        }
    }
}
