#!/usr/bin/perl
# static-packaging.pl TREE — the static-only packaging policy of the stubdom architectures,
# applied to an unpacked Debian source tree just before dpkg-buildpackage (stubbuild-build).
# The target has no shared libraries, so:
#  1. runtime-only shared-library packages (a binary package whose .install entries all name
#     shared objects, documentation aside, or, without an .install file, one in section libs
#     named lib*; and such a package's old-style -dbg package) get
#     "Build-Profiles: <stubdom.shared>", a profile no stubdom build enables: dpkg and
#     debhelper then skip them as they skip a udeb under noudeb (rules that name them with
#     -p keep working);
#  2. relations to those packages leave the other packages' Depends/Recommends/Suggests
#     (libexpat1-dev no longer depends on libexpat1);
#  3. .install and .links entries naming shared objects are dropped, and debian/not-installed
#     lists shared objects, so dh_install and dh_missing do not miss what was never built;
#     a -dev package that listed only its link-time libfoo.so lists libfoo.a instead (the
#     static library is what links on this target).
#  4. message catalogs (usr/share/locale) count as documentation does in 1. and are dropped
#     from .install files and listed in debian/not-installed: newlib's gettext (stubdom-posix)
#     reads none and rumprun's C library has none, whose configure then builds none, so a
#     library package that held catalogs beside its .so (libexif12, libtre5) missed them there.
# What rules install by hand (a .so a Makefile made with -shared, a symlink dh_link makes) is
# removed by dh_stubdom_static (the debhelper addon stubdom_static) before packaging, and
# stubbuild-build refuses any .deb that still holds a shared object.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use StubdomStaticPolicy qw($PROFILE control_field without_packages);

my $tree = shift // die "usage: static-packaging.pl TREE\n";
chdir $tree or die "static-packaging: cannot enter $tree: $!\n";
# a path or glob naming a shared object: libfoo.so, libfoo.so.1, libfoo.so.*, lib*.so*
my $SHARED = qr{\.so(?:$|[.*])};
# an .install entry whose source is message catalogs: usr/share/locale, usr/share/locale/*/…
my $CATALOGS = qr{^\s*(?:debian/tmp/)?/?usr/share/locale(?:/|\s|$)};

sub slurp { my ($f) = @_; open(my $fh, '<', $f) or return undef; local $/; my $s = <$fh>; close $fh; return $s; }
sub spew { my ($f, $s) = @_; open(my $fh, '>', "$f.new") or die "$f.new: $!\n"; print $fh $s; close $fh or die; rename("$f.new", $f) or die; }

# entries of an .install file: each line's source patterns (the last word is a destination
# when there are several words and it names no file pattern; keep it simple: every word)
sub install_entries {
  my ($file) = @_;
  my $text = slurp($file) // return ();
  return grep { /\S/ && !/^\s*#/ && !/^#!/ } split /\n/, $text;
}
sub names_shared_only { my ($line) = @_; my @words = grep { $_ ne '=>' } split ' ', $line; return (grep { /$SHARED/ } @words) ? 1 : 0; }

my $control = slurp('debian/control') // die "static-packaging: no debian/control\n";
my @paras = split /\n\s*\n/, $control;
my $source_section = control_field($paras[0], 'Section') // '';

my %dropped;
for my $para (@paras[1 .. $#paras]) {
  my $pkg = control_field($para, 'Package') // next;
  my $arch = control_field($para, 'Architecture') // '';
  next if $arch eq 'all';
  my $section = control_field($para, 'Section') // $source_section;
  my @install = map { install_entries($_) } grep { -f } ("debian/$pkg.install", glob("debian/$pkg.install.*"));
  my $runtime;
  # documentation a runtime package carries (expat's AUTHORS), or message catalogs (4.), do
  # not make it more
  my @contents = grep { !m{(^|\s)/?usr/share/(doc|lintian)(/|\s|$)} && !/$CATALOGS/ } @install;
  if (@install) {
    $runtime = @contents && !grep { !names_shared_only($_) } @contents;
  } else {
    $runtime = $section =~ m{(^|/)libs$} && $pkg =~ /^lib/ && $pkg !~ /-(dev|dbg|doc|bin|tools|utils|common|data)$/;
  }
  $dropped{$pkg} = 1 if $runtime;
}

# the old-style debug package of a dropped library (liblua5.4-0-dbg) has nothing to debug
for my $para (@paras[1 .. $#paras]) {
  my $pkg = control_field($para, 'Package') // next;
  $dropped{$pkg} = 1 if $pkg =~ /^(.+)-dbg$/ && $dropped{$1};
}

my @names = sort keys %dropped;
print "static-packaging: runtime-only shared-library packages not built: ", (@names ? "@names" : 'none'), "\n";

for my $para (@paras[1 .. $#paras]) {
  my $pkg = control_field($para, 'Package') // next;
  if ($dropped{$pkg}) {
    if ($para =~ /^Build-Profiles:[ \t]*(.*)$/mi) {
      my $restrictions = $1;
      (my $new = $restrictions) =~ s/>/ $PROFILE>/g;
      $para =~ s/^(Build-Profiles:[ \t]*).*$/$1$new/mi;
    } else {
      $para =~ s/^(Package:[^\n]*)$/$1\nBuild-Profiles: <$PROFILE>/mi;
    }
    next;
  }
  for my $name (qw(Depends Pre-Depends Recommends Suggests)) {
    next unless $para =~ /^(\Q$name\E:)([ \t]*.*(?:\n[ \t].*)*)/mi;
    my ($head, $value) = ($1, $2);
    my $new = without_packages($value, \%dropped);
    $new =~ s/^\s*/ /;
    $new =~ s/\s+$//;
    # a field left empty goes altogether
    $para =~ s/^\Q$head\E[ \t]*.*(?:\n[ \t].*)*/$new =~ m{\S} ? "$head$new" : ''/mie;
    $para =~ s/\n\n+/\n/g;
    $para =~ s/^\n//;
  }
}
spew('debian/control', join("\n\n", @paras) . ($control =~ /\n\z/ ? "\n" : ''));

# .install and .links entries naming shared objects
for my $file (glob('debian/*.install debian/install debian/*.links debian/links')) {
  my $text = slurp($file);
  next unless defined $text;
  next if $text =~ /^#!/ && -x $file && $text !~ /dh-exec/;    # an executable we cannot read as a list
  my @lines = split /\n/, $text;
  my @kept = grep { /^\s*#/ || !/\S/ || (!names_shared_only($_) && !($file =~ /install$/ && /$CATALOGS/)) } @lines;
  # a -dev package's link-time library (libfoo.so) is its static archive here (libfoo.a),
  # unless the package lists static archives already
  if ($file =~ m{debian/[^/]+-dev\.install$} && !grep { /\.a(\s|$)/ } @kept) {
    push @kept, map { s/\.so$/.a/r } grep { /^\s*\S+\.so\s*$/ } @lines;
  }
  my $new = join("\n", @kept) . "\n";
  if ($new ne $text && $new ne "$text\n") {
    print "static-packaging: $file: dropped the shared-object and message-catalog entries\n";
    spew($file, $new);
  }
}

my $not_installed = slurp('debian/not-installed') // '';
$not_installed .= "\n" if length($not_installed) && $not_installed !~ /\n\z/;
$not_installed .= "# stubdom: static only, no message catalogs (static-packaging.pl)\nusr/lib/*/lib*.so*\nusr/lib/lib*.so*\nlib/*/lib*.so*\nlib/lib*.so*\nusr/share/locale\n";
spew('debian/not-installed', $not_installed);
