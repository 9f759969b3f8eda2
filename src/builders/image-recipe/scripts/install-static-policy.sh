#!/bin/sh
# install-static-policy.sh — the static-only packaging policy's debhelper side: the addon
# stubdom_static (loaded into every dh run by DH_EXTRA_ADDONS, set in the image) and its
# command dh_stubdom_static. The rest of the policy is static-packaging.pl, which
# stubbuild-build runs on each source tree. See ports/README.md for why this way.
set -eu
here=/usr/lib/stubbuild/debhelper
install -d /usr/share/perl5/Debian/Debhelper/Sequence
install -m 0644 "$here/stubdom_static.pm" /usr/share/perl5/Debian/Debhelper/Sequence/stubdom_static.pm
chmod 0755 "$here/dh_stubdom_static"
ln -sf "$here/dh_stubdom_static" /usr/bin/dh_stubdom_static
