# A qcow2 that keeps its data in an external data file (data.raw beside it, then gone).
# expect: split.qcow2 is refused: it keeps its data in an external data file
qemu-img create -q -f qcow2 -o data_file=data.raw split.qcow2 16M && rm -f data.raw
