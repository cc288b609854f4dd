# A relative symlink climbing above the root (etc/evil -> ../../../../etc).
# expect: symbolic link to ../../../../etc leads outside the root filesystem
import tarfile
with tarfile.open("base.tar", "w") as t:
    d = tarfile.TarInfo("etc"); d.type = tarfile.DIRTYPE; d.mode = 0o755; t.addfile(d)
    l = tarfile.TarInfo("etc/evil"); l.type = tarfile.SYMTYPE; l.linkname = "../../../../etc"; t.addfile(l)
