# A build whose script is a symlink to /etc/shadow.
# expect: build.yaml:9:27: spec.scripts[0].path: scripts/setup.sh is a symlink
mkdir scripts && ln -s /etc/shadow scripts/setup.sh
cat > build.yaml <<'YAML'
apiVersion: kiln.dev/v1
kind: ImageBuild
metadata: {name: web}
spec:
  type: qemu
  source: {scratch: true}
  disk: {size: 16mib}
  scripts:
    - {name: setup, path: scripts/setup.sh}
YAML
git add -A && git commit -q -m "a symlinked script"
