# Text where a root-filesystem archive should be.
# expect: base.tar
with open("base.tar", "w") as f:
    f.write("this is not a tar archive\n" * 40)
