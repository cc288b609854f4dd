# An image package (tar) with a member ../evil.qcow2 beside its disk.
# expect: ../evil.qcow2
python3 - <<'PY'
import io, tarfile, subprocess
subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "disk.qcow2", "16M"], check=True)
with tarfile.open("package.tar", "w") as t:
    t.add("disk.qcow2", arcname="../evil.qcow2")
PY
rm disk.qcow2
