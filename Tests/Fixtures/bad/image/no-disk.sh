# A tar.gz holding no disk at all.
# expect: none.tar.gz holds no disk image
mkdir pkg && echo "just text" > pkg/README
tar -C pkg -czf none.tar.gz README && rm -r pkg
