#!/bin/sh
# Writes /sbin/init: mounts the kernel filesystems and greets the serial console, which is how the VM's readiness
# probe (ready.consoleContains) and Kiln's boot test know the image works.
set -eu
cd "$KILN_ROOTFS"
cat > sbin/init <<'INIT'
#!/bin/sh
/bin/mount -t proc proc /proc
/bin/mount -t sysfs sysfs /sys
echo "KILN-GUEST-READY: hello from the kiln quickstart image"
cat /etc/kiln-build 2>/dev/null
exec /bin/sh
INIT
chmod 0755 sbin/init
# SOURCE_DATE_EPOCH is the time of the commit these inputs were first built from: the same inputs, the same bytes.
echo "built by kiln at $(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)" > etc/kiln-build
