#!/usr/bin/perl
# debhelper addon stubdom_static, loaded into every dh sequence of a stubdom build through
# DH_EXTRA_ADDONS (set in the builder image): after dh_link, dh_stubdom_static removes the
# shared objects rules installed by hand, so no package of the static-only target ships one,
# and what debhelper made of the runtime packages not built (a relation, a documentation link).
use strict;
use warnings;
use Debian::Debhelper::Dh_Lib;

insert_after('dh_link', 'dh_stubdom_static');

1;
