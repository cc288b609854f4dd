# A 10 MiB spec file (made at run time): refused by its size before it is read.
# expect: big.yaml:1:1: file is 10485760 bytes, over the limit
yes '# padding padding padding padding padding padding padding padding padding' | head -c 10485760 > big.yaml
git add -A && git commit -q -m "a 10 MiB spec"
