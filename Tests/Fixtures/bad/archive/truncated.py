# A tar cut off in the middle of a member's data.
# expect: base.tar
import io, tarfile
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as t:
    data = b"x" * 100000
    info = tarfile.TarInfo("big"); info.size = len(data); t.addfile(info, io.BytesIO(data))
open("base.tar", "wb").write(buf.getvalue()[:20000])
