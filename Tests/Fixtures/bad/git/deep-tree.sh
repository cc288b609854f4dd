# Folders nested 130 deep (made at run time).
# expect: /d/d:1:1: folders nest more than 128 deep under the spec root
d=$(printf 'd/%.0s' $(seq 130))
mkdir -p "$d" && printf 'apiVersion: kiln.dev/v1\nkind: Image\nmetadata: {name: deep}\nspec: {osType: linux, hypervisor: false, supportsVirtualMachine: true}\n' > "$d/image.yaml"
git add -A && git commit -q -m "deep folders"
