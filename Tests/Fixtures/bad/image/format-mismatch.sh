# A VMDK named .qcow2: the name and the content disagree.
# expect: it is a vmdk image by content, not the qcow2 its name says
qemu-img create -q -f vmdk real.vmdk 16M && mv real.vmdk claims.qcow2
