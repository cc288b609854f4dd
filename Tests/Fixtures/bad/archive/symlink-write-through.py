# An absolute symlink (escape -> /tmp) followed by a file written through it (escape/kiln-pwned).
# expect: escape/kiln-pwned
import io, tarfile
with tarfile.open("base.tar", "w") as t:
    l = tarfile.TarInfo("escape"); l.type = tarfile.SYMTYPE; l.linkname = "/tmp"; t.addfile(l)
    data = b"pwned\n"
    f = tarfile.TarInfo("escape/kiln-pwned"); f.size = len(data); t.addfile(f, io.BytesIO(data))
