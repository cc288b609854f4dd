# A spec file whose name holds a newline: it would forge lines in every error and status listing.
# expect: a\u{a}b.yaml:1:1: the file name holds a control character
printf 'apiVersion: kiln.dev/v1\nkind: Image\nmetadata: {name: odd}\nspec: {osType: linux, hypervisor: false, supportsVirtualMachine: true}\n' > "$(printf 'a\nb.yaml')"
git add -A && git commit -q -m "a newline in a file name"
