# A spec file that is a symlink to /etc/passwd: never followed.
# expect: passwd.yaml:1:1: is a symlink
ln -s /etc/passwd passwd.yaml
git add -A && git commit -q -m "a symlinked spec"
