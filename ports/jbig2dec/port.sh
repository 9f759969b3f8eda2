# ports/jbig2dec/port.sh — jbig2dec for stubdom.
# Why a port: debian/rules (cdbs) hands the library to d-shlibmove in a rule that waits for
# binary-install/libjbig2dec0, the runtime library package the static-only policy has dropped
# ("No rule to make target"), and d-shlibmove moves libjbig2dec.so.0 by hand and stops where no
# shared library was built; the policy cannot edit a command. What is left of the move is done
# here, after libjbig2dec0-dev's install alone: the headers, the .pc file and the archive into
# libjbig2dec0-dev, as d-shlibmove would.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 0.19-3; the edit checks it took.
perl -0pi -e 's{(debian/stamp-local-shlibs-\$\(lib\): \\\n) binary-install/\$\(pkg-lib\) \\\n( binary-install/\$\(pkg-dev\)\n)\td-shlibmove --commit \\\n(?:\t\t[^\n]*\\\n)*\t\t[^\n]*\$\(lib\)\.so\n}{$1$2\t# stubdom: static only, no libjbig2dec.so.0 (stubbuild port)\n\tinstall -d debian/\$(pkg-dev)/usr/include debian/\$(pkg-dev)/usr/lib/\$(DEB_HOST_MULTIARCH)/pkgconfig\n\tmv debian/tmp/usr/include/* debian/\$(pkg-dev)/usr/include/\n\tmv debian/tmp/usr/lib/\$(DEB_HOST_MULTIARCH)/pkgconfig/* debian/\$(pkg-dev)/usr/lib/\$(DEB_HOST_MULTIARCH)/pkgconfig/\n\tmv debian/tmp/usr/lib/\$(DEB_HOST_MULTIARCH)/\$(lib).a debian/\$(pkg-dev)/usr/lib/\$(DEB_HOST_MULTIARCH)/\n}' debian/rules
grep -q 'stubdom: static only, no libjbig2dec.so.0' debian/rules && ! grep -q -e d-shlibmove -e 'binary-install/$(pkg-lib)' debian/rules || { echo "port jbig2dec: the d-shlibmove rule was not found in debian/rules" >&2; exit 1; }
