# A 256 MiB file of zeros in a tar.gz of about 250 KiB (made at run time): a decompression bomb for a 16 MiB disk.
# expect: unpacking stopped: an entry of 268435456 bytes would take the archive past 16777216 bytes
import tarfile
class Zeros:
    def __init__(self, n): self.left = n
    def read(self, size=-1):
        size = self.left if size < 0 else min(size, self.left)
        self.left -= size
        return bytes(size)
with tarfile.open("base.tar.gz", "w:gz", compresslevel=9) as t:
    info = tarfile.TarInfo("zeros"); info.size = 256 << 20
    t.addfile(info, Zeros(info.size))
