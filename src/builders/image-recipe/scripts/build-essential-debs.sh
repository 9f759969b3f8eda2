#!/bin/sh
# build-essential-debs.sh ARCH SRC_DIR OUT_DIR [FLAVOR]
# Builds the architecture's essential packages (stubdom-libc-dev, stubdom-pkgconf, and what
# the flavor adds) from our own packaging with the image's toolchain, as the build user, and
# keeps the .debs in OUT_DIR so the service can publish them into a fresh repository.
# A folder with a file `flavors` is built only for the flavors it lists.
set -eu
ARCH=$1 src=$2 out=$3 FLAVOR=${4:-}
work=$(mktemp -d)
chown builder:builder "$work"
mkdir -p "$out"
for pkg in "$src"/*/; do
  name=$(basename "$pkg")
  if [ -f "$pkg/flavors" ] && ! grep -qxF "$FLAVOR" "$pkg/flavors"; then continue; fi
  cp -a "$pkg" "$work/$name"
  chown -R builder:builder "$work/$name"
  ( cd "$work/$name" && setpriv --reuid=builder --regid=builder --init-groups env HOME="$work" \
      dpkg-buildpackage -a "$ARCH" -b -uc -us ) > "$work/$name.log" 2>&1 \
    || { cat "$work/$name.log"; exit 1; }
done
cp "$work"/*.deb "$out/"
ls -l "$out"
rm -rf "$work"
