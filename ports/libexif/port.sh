# ports/libexif/port.sh — libexif for stubdom.
# Why a port: libexif-dev depends on libc6-dev, glibc's development package, where Debian's
# other -dev packages say "libc6-dev | libc-dev". No stub-domain architecture has libc6-dev
# (its C library package, the image's stubdom-base, provides libc-dev), so apt could not
# install libexif-dev (the corpus run's install check). libc-dev, the name every C library's
# development package provides.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 0.6.24-1+deb12u1; every edit checks it took.
perl -0pi -e 's/(\nPackage: libexif-dev\n(?:[^\n]+\n)*?Depends: )libc6-dev,/$1libc-dev,/' debian/control
grep -q '^Depends: libc-dev, ${misc:Depends}, libexif12 (= ${binary:Version})$' debian/control || { echo "port libexif: libexif-dev's Depends is not the expected one" >&2; exit 1; }
