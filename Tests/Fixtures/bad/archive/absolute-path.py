# A member with an absolute path, /etc/cron.d/kiln.
# expect: an absolute path (/etc/cron.d/kiln)
import io, tarfile
with tarfile.open("base.tar", "w") as t:
    data = b"* * * * * root id\n"
    info = tarfile.TarInfo("/etc/cron.d/kiln"); info.size = len(data)
    t.addfile(info, io.BytesIO(data))
