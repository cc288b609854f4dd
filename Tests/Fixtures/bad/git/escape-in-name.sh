# A spec file whose name holds a terminal escape sequence.
# expect: \u{1b}[31mred.yaml:1:1: the file name holds a control character
printf 'apiVersion: kiln.dev/v1\nkind: Image\nmetadata: {name: odd}\nspec: {osType: linux, hypervisor: false, supportsVirtualMachine: true}\n' > "$(printf '\033[31mred.yaml')"
git add -A && git commit -q -m "an escape in a file name"
