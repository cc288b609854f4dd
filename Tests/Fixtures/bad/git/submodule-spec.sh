# A submodule named like a spec file: Kiln never reads submodules.
# expect: more.yaml:1:1: is a submodule
git update-index --add --cacheinfo 160000,abababababababababababababababababababab,more.yaml
printf '[submodule "more"]\n\tpath = more.yaml\n\turl = https://example.org/more.git\n' > .gitmodules
git add .gitmodules && git commit -q -m "a submodule"
