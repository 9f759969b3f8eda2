#!/bin/sh
# build-essential-debs.sh ARCH SRC_DIR OUT_DIR
# Builds the architecture's essential packages (stubdom-libc-dev, stubdom-pkgconf) from our
# own packaging with the image's toolchain, as the build user, and keeps the .debs in OUT_DIR
# so the service can publish them into a fresh repository.
set -eu
ARCH=$1 src=$2 out=$3
work=$(mktemp -d)
chown builder:builder "$work"
mkdir -p "$out"
for pkg in "$src"/*/; do
  name=$(basename "$pkg")
  cp -a "$pkg" "$work/$name"
  chown -R builder:builder "$work/$name"
  ( cd "$work/$name" && setpriv --reuid=builder --regid=builder --init-groups env HOME="$work" \
      dpkg-buildpackage -a "$ARCH" -b -uc -us ) > "$work/$name.log" 2>&1 \
    || { cat "$work/$name.log"; exit 1; }
done
cp "$work"/*.deb "$out/"
ls -l "$out"
rm -rf "$work"
