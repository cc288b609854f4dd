# A member named ../../../tmp/kiln-pwned: it would land outside the root filesystem.
# expect: a path with .. (../../../tmp/kiln-pwned)
import io, tarfile
with tarfile.open("base.tar", "w") as t:
    data = b"pwned\n"
    info = tarfile.TarInfo("../../../tmp/kiln-pwned"); info.size = len(data)
    t.addfile(info, io.BytesIO(data))
