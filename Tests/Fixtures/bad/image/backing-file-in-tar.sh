# A tar whose one disk names a backing file (/etc/shadow).
# expect: it names a backing file (/etc/shadow)
mkdir pkg && qemu-img create -q -f qcow2 -F raw -b /etc/shadow -u pkg/disk.qcow2 16M
tar -C pkg -cf package.tar disk.qcow2 && rm -r pkg
