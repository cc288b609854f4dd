#!/bin/sh
# Runs inside Kiln's build sandbox with the image's root filesystem as the working directory ($KILN_ROOTFS).
# Installs the host's static busybox (Debian's busybox-static) and its applet links.
set -eu
cd "$KILN_ROOTFS"
mkdir -p bin sbin etc proc sys dev tmp root usr/bin usr/sbin
cp /bin/busybox bin/busybox
chmod 0755 bin/busybox
for applet in $(bin/busybox --list); do
    [ -e "bin/$applet" ] || ln -s busybox "bin/$applet"
done
echo "quickstart" > etc/hostname
echo "installed busybox with $(bin/busybox --list | wc -l) applets"
