# A text file named disk.img.
# expect: disk.img
echo "this is not a disk" > disk.img
