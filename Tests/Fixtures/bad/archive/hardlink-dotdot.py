# A hard link whose target climbs with .. (../../etc/passwd).
# expect: hard link target: a path with .. (../../etc/passwd)
import tarfile
with tarfile.open("base.tar", "w") as t:
    l = tarfile.TarInfo("passwd"); l.type = tarfile.LNKTYPE; l.linkname = "../../etc/passwd"; t.addfile(l)
