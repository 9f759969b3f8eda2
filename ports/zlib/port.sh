# ports/zlib/port.sh — zlib for stubdom: the static library and headers only (zlib1g-dev).
# Runs in the unpacked source tree as the build user (bash -e); stubbuild-build then adds
# the +stubdom<revision> changelog entry and rebuilds the source package.
# Written against bookworm's 1:1.2.13.dfsg-1; each edit checks it took, so a changed
# packaging fails the port loudly instead of building something else.

edit() { # file perl-expression what
  perl -0pi -e "$2" "$1"
  if ! grep -q "$4" "$1"; then echo "port zlib: $3 did not apply to $1" >&2; exit 1; fi
}

# 1. configure for a static library only (the shared link test would fail anyway: newlib is
#    not PIC, and -shared is refused by the stubdom compiler).
edit debian/rules 's/(uname=GNU \.\/configure) --shared (--prefix=\/usr --libdir=\\\$\$\{prefix\}\/lib\/\$\(DEB_HOST_MULTIARCH\))/$1 --static $2/' \
  "configure --static" 'uname=GNU ./configure --static --prefix=/usr --libdir'

# 2. no shared objects to move into /lib, no libz.so symlink
edit debian/rules 's/\n\tinstall -d debian\/tmp\/lib\/\$\(DEB_HOST_MULTIARCH\)\n\tmv debian\/tmp\/usr\/lib\/\$\(DEB_HOST_MULTIARCH\)\/libz\.so\.\* debian\/tmp\/lib\/\$\(DEB_HOST_MULTIARCH\)\n\tln -sf [^\n]*\n/\n\t# stubdom: static only, no shared library to move\n/' \
  "drop the libz.so moves" 'stubdom: static only'

# 3. no shared library package: no shlibs file, no udeb
edit debian/rules 's/dh_makeshlibs -pzlib1g -V"[^"]*" --add-udeb=zlib1g-udeb/dh_makeshlibs -a/' \
  "dh_makeshlibs -a" 'dh_makeshlibs -a$'

# 4. the upstream test programs cannot run here (their entry traps): honour nocheck
edit debian/rules 's/\n\t-\$\(MAKE\) test\n/\nifeq (,\$(filter nocheck,\$(DEB_BUILD_OPTIONS)))\n\t-\$(MAKE) test\nendif\n/' \
  "make test under nocheck" '^ifeq (,$(filter nocheck,$(DEB_BUILD_OPTIONS)))$'

# 5. debian/control: drop the zlib1g and zlib1g-udeb stanzas; zlib1g-dev stops depending on zlib1g
perl -00 -ni -e 'print unless /^Package: (zlib1g|zlib1g-udeb)\n/m' debian/control
if grep -qE '^Package: (zlib1g|zlib1g-udeb)$' debian/control; then echo "port zlib: zlib1g stanzas still in debian/control" >&2; exit 1; fi
edit debian/control 's/(Depends: )zlib1g \(= \$\{binary:Version\}\), (libc6-dev \| libc-dev)/$1$2/' \
  "zlib1g-dev Depends" 'Depends: libc6-dev | libc-dev, ${misc:Depends}'

# 6. zlib1g-dev ships no libz.so
sed -i '\#^usr/lib/\*/libz\.so$#d' debian/zlib1g-dev.install
if grep -q 'libz\.so' debian/zlib1g-dev.install; then echo "port zlib: libz.so still in zlib1g-dev.install" >&2; exit 1; fi
rm -f debian/zlib1g.* debian/zlib1g-udeb.*
