#!/bin/sh
# The reference for `kiln-bench image`: from a finished root filesystem (a tarball) to a verified bootable disk,
# with the same tools Kiln runs, called from a plain shell script with no checks beyond `set -e`.
#
#   image-reference.sh ROOTFS_TAR|ROOTFS_DIR OUT_DIR SIZE_MIB [READY_TEXT|-]
#
# Unpacks the tarball (or takes the folder as it is), partitions a raw file (GPT: EFI system partition + root), fills
# the ESP with the image's kernel and initrd, systemd-boot and syslinux (no mount), writes the root filesystem at its
# offset, boots the disk under SeaBIOS and under OVMF (TCG, no -kernel) until the console shows READY_TEXT (default
# KILN-GUEST-READY; `-` skips both boots), and hashes the disk.
set -eu
tarball=$1
out=$2
size_mib=$3
ready=${4:-KILN-GUEST-READY}
export SOURCE_DATE_EPOCH=1750000000 E2FSPROGS_FAKE_TIME=1750000000 MTOOLS_SKIP_CHECK=1 TZ=UTC

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs" "$work/esp/EFI/BOOT" "$work/esp/loader/entries" "$work/esp/syslinux" "$out"
if [ -d "$tarball" ]; then rootfs=$tarball; else rootfs=$work/rootfs; tar -C "$rootfs" -xf "$tarball"; fi
kernel=$(ls "$rootfs/boot" | grep '^vmlinuz-' | sort -V | tail -1)
version=${kernel#vmlinuz-}
cp "$rootfs/boot/$kernel" "$work/esp/vmlinuz"
cp "$rootfs/boot/initrd.img-$version" "$work/esp/initrd.img"
cp /usr/lib/systemd/boot/efi/systemd-bootx64.efi "$work/esp/EFI/BOOT/BOOTX64.EFI"

boot_bytes=$(( $(stat -c %s "$work/esp/vmlinuz") + $(stat -c %s "$work/esp/initrd.img") ))
esp_mib=$(( (boot_bytes * 2 + 16 * 1048576 + 1048575) / 1048576 )); [ "$esp_mib" -lt 64 ] && esp_mib=64
root_start=$(( (1 + esp_mib) * 2048 ))
root_sectors=$(( (size_mib - 1) * 2048 - root_start ))
root_uuid=4f5e6d7c-1111-4222-8333-444455556666
cmdline="root=PARTUUID=$root_uuid ro rootwait console=tty0 console=ttyS0,115200"
printf 'default kiln.conf\ntimeout 0\n' > "$work/esp/loader/loader.conf"
printf 'title ref\nlinux /vmlinuz\ninitrd /initrd.img\noptions %s\n' "$cmdline" > "$work/esp/loader/entries/kiln.conf"
printf 'SERIAL 0 115200\nDEFAULT kiln\nPROMPT 0\nTIMEOUT 0\nLABEL kiln\n  LINUX /vmlinuz\n  INITRD /initrd.img\n  APPEND %s\n' "$cmdline" \
    > "$work/esp/syslinux/syslinux.cfg"

disk="$out/disk.raw"
truncate -s "${size_mib}M" "$disk"
sfdisk --quiet --no-reread --no-tell-kernel --wipe never "$disk" <<SFDISK
label: gpt
first-lba: 2048
start=2048, size=$((esp_mib * 2048)), type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, attrs="LegacyBIOSBootable"
start=$root_start, size=$root_sectors, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, uuid=$root_uuid
SFDISK
mkfs.vfat --offset=2048 --invariant -F 32 -s 1 -n KILN-ESP "$disk" $((esp_mib * 1024)) >/dev/null
mcopy -i "$disk@@1048576" -s -m -Q -o "$work/esp/EFI" "$work/esp/loader" "$work/esp/syslinux" "$work/esp/vmlinuz" "$work/esp/initrd.img" ::/
syslinux --offset 1048576 --directory /syslinux --install "$disk"
dd if=/usr/lib/syslinux/mbr/gptmbr.bin of="$disk" bs=440 count=1 conv=notrunc status=none
mkfs.ext4 -q -F -d "$rootfs" -E offset=$((root_start * 512)) "$disk" $((root_sectors / 2))k

boot() { # firmware arguments...
    console="$work/console.log"
    rm -f "$console"
    qemu-system-x86_64 -machine pc,accel=tcg -m 1024M -smp 1 -nodefaults -no-user-config -display none -no-reboot \
        -serial "file:$console" -drive "file=$disk,format=raw,if=virtio,snapshot=on" "$@" &
    qemu=$!
    until grep -q "$ready" "$console" 2>/dev/null; do
        kill -0 "$qemu" 2>/dev/null || { echo "qemu ended before the guest was up" >&2; exit 1; }
        sleep 0.25
    done
    kill -9 "$qemu"
    wait "$qemu" 2>/dev/null || true
}
if [ "$ready" != - ]; then
    boot -bios /usr/share/seabios/bios-256k.bin
    cp /usr/share/OVMF/OVMF_VARS_4M.fd "$work/vars.fd"
    boot -drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd -drive "if=pflash,format=raw,unit=1,file=$work/vars.fd"
fi
sha256sum "$disk" > "$out/SHA256SUMS"
