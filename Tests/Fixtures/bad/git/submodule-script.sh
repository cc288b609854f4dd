# A build whose script lives in a submodule.
# expect: spec.scripts[0].path: vendor/setup.sh is in a submodule
cat > build.yaml <<'YAML'
apiVersion: kiln.dev/v1
kind: ImageBuild
metadata: {name: web}
spec:
  type: qemu
  source: {scratch: true}
  scripts:
    - {name: setup, path: vendor/setup.sh}
YAML
git add build.yaml
git update-index --add --cacheinfo 160000,abababababababababababababababababababab,vendor
git commit -q -m "a script in a submodule"
