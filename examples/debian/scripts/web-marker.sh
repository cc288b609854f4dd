#!/bin/sh
# Marks the layer: a file the tests read back from the disk with debugfs, and a page for a web server to serve.
# With provisioner: ssh it runs inside the booted build VM (KILN_ROOTFS is /); with chroot, on the root filesystem.
set -eu
echo "provisioning $KILN_BUILD_NAME #$KILN_BUILD_NUMBER as $(id -un) on $(uname -n), kernel $(uname -r)"
cd "$KILN_ROOTFS"
mkdir -p var/www/html
echo "built by kiln: $KILN_BUILD_NAME" > etc/kiln-web-marker
echo "<h1>Hello from the Kiln web layer</h1>" > var/www/html/index.html
