# A qcow2 whose backing file is /etc/shadow: opening it would read the host's file into the image.
# expect: evil.qcow2 is refused: it names a backing file (/etc/shadow)
qemu-img create -q -f qcow2 -F raw -b /etc/shadow -u evil.qcow2 16M
