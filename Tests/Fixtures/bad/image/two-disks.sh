# A tar holding two disks: which one is the image?
# expect: two.tar holds 2 disk images (a.qcow2, b.qcow2)
mkdir pkg && qemu-img create -q -f qcow2 pkg/a.qcow2 16M && qemu-img create -q -f qcow2 pkg/b.qcow2 16M
tar -C pkg -cf two.tar a.qcow2 b.qcow2 && rm -r pkg
