# ports/libdeflate/port.sh — libdeflate for stubdom.
# Why a port: patches/netbsd-bswap.patch gives common_defs.h's byte swaps names of their own,
# since NetBSD's <sys/endian.h> (rumprun's C library) declares bswap16/32/64 too. And
# debian/rules hands the libraries to d-shlibmove, which moves libdeflate.so.0
# into libdeflate0 by hand and stops where no shared library was built; the static-only
# policy has already dropped libdeflate0 and cannot edit a command. What is left of the move
# is done here: the archive and the .pc file into libdeflate-dev, as d-shlibmove would.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 1.14-1; the edit checks it took.
perl -0pi -e 's{\td-shlibmove --commit \\\n(?:\t[^\n]*\\\n)*\t[^\n]*debian/tmp/usr/lib/\*\.so\n}{\t# stubdom: static only, no libdeflate.so.0 (stubbuild port)\n\tinstall -d debian/libdeflate-dev/usr/lib/\$(DEB_HOST_MULTIARCH)/pkgconfig\n\tmv debian/tmp/usr/lib/libdeflate.a debian/libdeflate-dev/usr/lib/\$(DEB_HOST_MULTIARCH)/\n\tmv debian/tmp/usr/lib/pkgconfig/*.pc debian/libdeflate-dev/usr/lib/\$(DEB_HOST_MULTIARCH)/pkgconfig/\n}' debian/rules
grep -q 'stubdom: static only, no libdeflate.so.0' debian/rules && ! grep -q d-shlibmove debian/rules || { echo "port libdeflate: the d-shlibmove call was not found in debian/rules" >&2; exit 1; }
