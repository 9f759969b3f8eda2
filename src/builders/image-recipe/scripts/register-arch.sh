#!/bin/sh
# register-arch.sh ARCH ROWS_DIR DATADIR
# Teaches dpkg the architecture in a private data directory (ENV DPKG_DATADIR in the image):
# a dpkg upgrade rewrites /usr/share/dpkg but never this copy. The four tables are copies with
# our rows; everything else links back to /usr/share/dpkg so new makefile snippets still work.
# The ostable row goes FIRST: Dpkg::Arch takes the first row whose regex matches the end of a
# GNU triplet, and x86_64-rumprun-netbsd would otherwise be read as netbsd-amd64.
set -eu
ARCH=$1 rows=$2 datadir=$3
mkdir -p "$datadir"
for entry in /usr/share/dpkg/*; do
  name=$(basename "$entry")
  case $name in ostable|tupletable|cputable|abitable) ;; *) ln -sfn "$entry" "$datadir/$name" ;; esac
done
cp /usr/share/dpkg/cputable /usr/share/dpkg/abitable "$datadir/"
insert_first() { # table row-file
  { sed -n '/^#/p' "/usr/share/dpkg/$1"; cat "$2"; sed '/^#/d' "/usr/share/dpkg/$1"; } > "$datadir/$1"
}
insert_first ostable "$rows/ostable"
insert_first tupletable "$rows/tupletable"

export DPKG_DATADIR="$datadir"
T=$(dpkg-architecture -a "$ARCH" -qDEB_HOST_GNU_TYPE 2>/dev/null)
back=$(dpkg-architecture -t "$T" -qDEB_HOST_ARCH 2>/dev/null)
[ "$back" = "$ARCH" ] || { echo "register-arch: $T maps back to '$back', not $ARCH" >&2; exit 1; }
dpkg-architecture -a "$ARCH" -i any-amd64 || { echo "register-arch: $ARCH is not any-amd64" >&2; exit 1; }
if dpkg-architecture -a "$ARCH" -i linux-any; then echo "register-arch: $ARCH must not be linux-any" >&2; exit 1; fi
dpkg --add-architecture "$ARCH"

# Every shell sees the private tables, login shells included (ENV covers docker exec/run).
echo "DPKG_DATADIR=$datadir" >> /etc/environment
echo "export DPKG_DATADIR=$datadir" > /etc/profile.d/stubbuild-dpkg.sh
echo "register-arch: $ARCH = $T ($(dpkg-architecture -a "$ARCH" -qDEB_HOST_ARCH_OS 2>/dev/null)-$(dpkg-architecture -a "$ARCH" -qDEB_HOST_ARCH_CPU 2>/dev/null))"
