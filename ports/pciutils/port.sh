# ports/pciutils/port.sh — libpci for stubdom (Xen's stub-domain set: qemu's PCI passthrough).
# Why a port: libpci's own lib/configure knows an access method per OS and stops for any other
# ("your OS is not supported"); no generic answer can name the target's PCI access. Like Xen's
# stubdom/Makefile, this gives the stub-domain OSes (GNU systems xen-elf and rumprun-netbsd,
# which lib/configure reads as "xen" and "rumprun") a case of their own with no OS access
# method: libpci keeps its `dump` method (PCI data read from an lspci -x dump), the one that
# needs no OS. A Mini-OS pcifront method (or a rump kernel's PCI driver) would reference
# functions only the stub domain's final link has (Xen's stubdom/pciutils.patch); it belongs
# with that link, not in a library every program links.
# Also: a static libpci.a instead of libpci.so (SHARED=no), no DNS lookups of IDs (the
# resolver is the build machine's). (The generic policy makes libpci-dev ship libpci.a.)
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 1:3.9.0-4; each edit checks it took.

edit() { # file perl-expression what check-regex
  perl -0pi -e "$2" "$1"
  if ! grep -qE "$4" "$1"; then echo "port pciutils: $3 did not apply to $1" >&2; exit 1; fi
}

# 1. lib/configure: the stub-domain OSes (x86_64-xen-elf reads as "xen", x86_64-rumprun-netbsd
#    as "rumprun"), with only the OS-independent dump access method
edit lib/configure 's/(\n\tsylixos\)\n)/\n\txen|rumprun)\n\t\t# stubdom (x86_64-xen-elf, x86_64-rumprun-netbsd): no OS access method, only dump (stubbuild port)\n\t\techo >>\$c \x27#define PCI_HAVE_STDINT_H\x27\n\t\tLIBRESOLV=\n\t\t;;$1/' \
  "the stub-domain case" '^	xen\|rumprun\)$'

# 2. debian/rules: static library, no resolver
edit debian/rules 's/confflags \+= SHARED=yes/confflags += SHARED=no\nconfflags += DNS=no/' \
  "SHARED=no DNS=no" '^confflags \+= DNS=no$'
