# ports/libxml2/port.sh — libxml2 for stubdom.
# Why a port: bookworm's libxml2 builds with ICU (--with-icu; libicu-dev in Build-Depends-Arch
# and in libxml2-dev's Depends), a 30 MB C++ library no stub domain links: --without-icu, which
# leaves the encodings of libxml2 itself (and iconv's). And its HTTP and FTP clients (nanohttp,
# nanoftp) need BSD sockets, which newlib's C library has not: --without-http --without-ftp,
# for both toolchain families so that one source version means one feature set.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 2.9.14+dfsg-1.3~deb12u6; each edit checks it took.
perl -0pi -e 's/\n libicu-dev,\n/\n/g' debian/control
if grep -q 'libicu-dev' debian/control; then echo "port libxml2: libicu-dev still in debian/control" >&2; exit 1; fi
perl -0pi -e 's/(doconfigure-main: CONFIGURE_FLAGS \+= --without-python) --with-icu\n/$1 --without-icu --without-http --without-ftp\n/' debian/rules
grep -q -- '--without-icu --without-http --without-ftp$' debian/rules || { echo "port libxml2: --with-icu was not found in debian/rules" >&2; exit 1; }
