# A character device (dev/mem, 1:1) and a FIFO: dropped, never made; the build log says so.
# expect: device node dropped
import tarfile
with tarfile.open("base.tar", "w") as t:
    d = tarfile.TarInfo("dev"); d.type = tarfile.DIRTYPE; d.mode = 0o755; t.addfile(d)
    c = tarfile.TarInfo("dev/mem"); c.type = tarfile.CHRTYPE; c.devmajor = 1; c.devminor = 1; t.addfile(c)
    p = tarfile.TarInfo("dev/pipe"); p.type = tarfile.FIFOTYPE; t.addfile(p)
