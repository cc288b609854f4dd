# A hard link to /etc/shadow: it would copy the host's file into the image.
# expect: hard link target: an absolute path (/etc/shadow)
import tarfile
with tarfile.open("base.tar", "w") as t:
    l = tarfile.TarInfo("shadow"); l.type = tarfile.LNKTYPE; l.linkname = "/etc/shadow"; t.addfile(l)
