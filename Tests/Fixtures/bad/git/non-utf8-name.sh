# A spec file whose name is not UTF-8 (Latin-1 "é").
# expect: caf?.yaml:1:1: the file name is not valid UTF-8
printf 'apiVersion: kiln.dev/v1\nkind: Image\nmetadata: {name: odd}\nspec: {osType: linux, hypervisor: false, supportsVirtualMachine: true}\n' > "$(printf 'caf\351.yaml')"
git add -A && git commit -q -m "a Latin-1 file name"
