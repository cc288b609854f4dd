# A tree crafted with git mktree holding an entry named "..": git itself never writes one.
# expect: ..:1:1: a tree entry named ., .. or with a /
blob=$(printf 'apiVersion: kiln.dev/v1\nkind: Image\nmetadata: {name: odd}\nspec: {osType: linux, hypervisor: false, supportsVirtualMachine: true}\n' | git hash-object -w --stdin)
inner=$(printf '100644 blob %s\tescape.yaml\n' "$blob" | git mktree)
tree=$(printf '040000 tree %s\t..\n100644 blob %s\tok.yaml\n' "$inner" "$blob" | git mktree --missing)
commit=$(git commit-tree "$tree" -m "a .. entry")
git update-ref refs/heads/main "$commit"
