# An OVA whose OVF references ../x: outside the archive.
# expect: references files outside the archive: ../x
mkdir pkg && qemu-img create -q -f vmdk -o subformat=streamOptimized pkg/disk1.vmdk 16M
cat > pkg/evil.ovf <<'XML'
<?xml version="1.0"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1">
  <References><File ovf:href="../x" ovf:id="file1"/></References>
</Envelope>
XML
tar -C pkg -cf evil.ova evil.ovf disk1.vmdk && rm -r pkg
