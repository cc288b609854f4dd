# A VMDK descriptor whose flat extent is /etc/passwd.
# expect: flat.vmdk is refused: it is a VMDK descriptor
printf '# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="monolithicFlat"\n\nRW 2048 FLAT "/etc/passwd" 0\n' > flat.vmdk
