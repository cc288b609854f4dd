# 5,000 uses of one small alias: over the cap on alias uses per file, though each is tiny. Written at run time.
# expect: many-aliases.yaml:9:1036: more than 256 aliases in one file
with open("many-aliases.yaml", "w") as f:
    f.write("apiVersion: kiln.dev/v1\nkind: ImageBuild\nmetadata: {name: web}\nspec:\n  type: qemu\n")
    f.write("  source: {scratch: true}\n  config:\n    base: &b 1\n    many: [" + ", ".join(["*b"] * 5000) + "]\n")
