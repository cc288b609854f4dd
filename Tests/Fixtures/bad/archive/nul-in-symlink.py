# A symlink with an empty target.
# expect: a symbolic link without a valid target
import tarfile
with tarfile.open("base.tar", "w") as t:
    l = tarfile.TarInfo("empty-link"); l.type = tarfile.SYMTYPE; l.linkname = ""; t.addfile(l)
