# A 2 MiB description in one scalar: over the 1 MiB cap per spec file. Written at run time.
# expect: huge-scalar.yaml:1:1: file is
import sys
with open("huge-scalar.yaml", "w") as f:
    f.write("apiVersion: kiln.dev/v1\nkind: ImageBuild\nmetadata: {name: web}\nspec:\n  type: qemu\n")
    f.write("  source: {scratch: true}\n  description: \"" + "x" * (2 << 20) + "\"\n")
