#!/bin/sh
# The reference for `kiln-bench build`: the same tools Kiln's qemu builder runs, on the same input, called from a
# plain shell script with no checks beyond `set -e`. Kiln's overhead is its wall time divided by this one's.
#
#   build-reference.sh SCRIPTS_DIR OUT_DIR SIZE_MIB
#
# Runs every SCRIPTS_DIR/*.sh in order in the same bubblewrap sandbox (under the same prlimit), makes the ext4 raw
# disk with mkfs.ext4 -d, converts it to qcow2 and vmdk, reads each image back with qemu-img info and writes the
# SHA-256 of each to OUT_DIR/SHA256SUMS.
set -eu
scripts=$1
out=$2
size_mib=$3

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs" "$out"

for script in "$scripts"/*.sh; do
    name=$(basename "$script" .sh)
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp \
        KILN_ROOTFS=/kiln/rootfs KILN_BUILD_NAME=reference KILN_BUILD_NUMBER=1 KILN_SCRIPT="$name" \
        prlimit --fsize=34359738368 --nofile=4096 --nproc=4096 --as=17179869184 --core=0 -- \
        bwrap --unshare-all --unshare-user --disable-userns --die-with-parent --new-session --hostname kiln-build \
            --cap-drop ALL --cap-add CAP_CHOWN --cap-add CAP_DAC_OVERRIDE --cap-add CAP_FOWNER --cap-add CAP_FSETID \
            --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/sbin /sbin --symlink usr/lib /lib \
            --symlink usr/lib64 /lib64 \
            --ro-bind-try /etc/alternatives /etc/alternatives --ro-bind-try /etc/passwd /etc/passwd \
            --ro-bind-try /etc/group /etc/group --ro-bind-try /etc/nsswitch.conf /etc/nsswitch.conf \
            --ro-bind-try /etc/localtime /etc/localtime \
            --proc /proc --dev /dev --size 1073741824 --tmpfs /tmp \
            --bind "$work/rootfs" /kiln/rootfs --ro-bind "$script" /kiln/script \
            --chdir /kiln/rootfs -- /bin/sh /kiln/script > "$work/$name.log" 2>&1
done

truncate -s "${size_mib}M" "$out/disk.raw"
mkfs.ext4 -q -d "$work/rootfs" -L kiln-root "$out/disk.raw" "$((size_mib * 1024))k"
qemu-img convert -q -f raw -O qcow2 "$out/disk.raw" "$out/disk.qcow2"
qemu-img convert -q -f raw -O vmdk "$out/disk.raw" "$out/disk.vmdk"
for format in raw qcow2 vmdk; do
    qemu-img info --output=json -f "$format" "$out/disk.$format" > /dev/null
done
(cd "$out" && sha256sum disk.raw disk.qcow2 disk.vmdk > SHA256SUMS)
