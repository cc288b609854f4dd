# A spec file reached through a symlink to a folder outside the repository.
# expect: outside.yaml:1:1: is a symlink
ln -s / outside.yaml
git add -A && git commit -q -m "a symlink to /"
