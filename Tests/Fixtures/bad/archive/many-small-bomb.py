# 40 files of 1 MiB of zeros (made at run time), each small alone, 40 MiB together: past the 16 MiB disk.
# expect: would take the archive past 16777216 bytes
import tarfile
class Zeros:
    def __init__(self, n): self.left = n
    def read(self, size=-1):
        size = self.left if size < 0 else min(size, self.left)
        self.left -= size
        return bytes(size)
with tarfile.open("base.tar.gz", "w:gz", compresslevel=9) as t:
    for i in range(40):
        info = tarfile.TarInfo(f"zeros-{i}"); info.size = 1 << 20
        t.addfile(info, Zeros(info.size))
