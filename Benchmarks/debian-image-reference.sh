#!/bin/sh
# The shell-script reference for `kiln-bench image-debian` (the image benchmark's part (a)), used where mkosi cannot
# build a bootable image (see the benchmark's output for why): the same Debian image from the same tools Kiln runs,
# called from a plain shell script with no checks beyond `set -e`.
#
#   debian-image-reference.sh OUT_DIR CACHE_DIR MIRROR SIZE_MIB SUITE VARIANT PACKAGES [READY_TEXT|-]
#
# mmdebstrap makes the root filesystem from MIRROR (the .deb cache shared through CACHE_DIR with its sync-in and
# sync-out hooks, as Kiln does), then image-reference.sh beside this file makes the bootable hybrid disk from it (and
# boots it under SeaBIOS and OVMF until READY_TEXT shows, unless it is `-`). PACKAGES is comma-separated.
set -eu
out=$1
cache=$2
mirror=$3
size_mib=$4
suite=$5
variant=$6
packages=$7
ready=${8:--}
export SOURCE_DATE_EPOCH=1750000000

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$cache"
mmdebstrap --quiet --mode=root --format=directory --variant="$variant" --components=main --skip=essential/unlink \
    --include="$packages" \
    --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
    --setup-hook="sync-in $cache /var/cache/apt/archives/" \
    --customize-hook="sync-out /var/cache/apt/archives $cache" \
    "$suite" "$work/rootfs" "$mirror"
# As Kiln does: folder times and apt's caches record the run (what came from the package cache), not the packages.
find "$work/rootfs" \( -type d -o -path "$work/rootfs/var/cache/apt/*" -o -path "$work/rootfs/var/lib/apt/lists/*" \) \
    -exec touch --no-dereference --date="@$SOURCE_DATE_EPOCH" {} +
"$here/image-reference.sh" "$work/rootfs" "$out" "$size_mib" "$ready"
