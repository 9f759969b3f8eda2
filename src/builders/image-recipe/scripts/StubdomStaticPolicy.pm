# StubdomStaticPolicy — what the two halves of the static-only policy share:
# static-packaging.pl (which marks the runtime-only packages not to build) and
# dh_stubdom_static (which cleans what debhelper still made of them).
package StubdomStaticPolicy;
use strict;
use warnings;
use Exporter 'import';
our @EXPORT_OK = qw($PROFILE control_field dropped_packages without_packages);

# the build profile no stubdom build enables: a package carrying it is not built
our $PROFILE = 'stubdom.shared';

# control_field(PARAGRAPH, NAME): a field's value, continuation lines joined
sub control_field {
  my ($para, $name) = @_;
  return $para =~ /^\Q$name\E:[ \t]*(.*(?:\n[ \t].*)*)/mi ? $1 =~ s/\n[ \t]+/ /gr =~ s/^\s+|\s+$//gr : undef;
}

# dropped_packages(CONTROL-TEXT): the binary packages the policy marked not to build
sub dropped_packages {
  my ($control) = @_;
  my %dropped;
  for my $para (split /\n\s*\n/, $control) {
    my $pkg = control_field($para, 'Package') // next;
    my $profiles = control_field($para, 'Build-Profiles') // next;
    $dropped{$pkg} = 1 if $profiles =~ /(^|[\s<!])\Q$PROFILE\E(?=[\s>])/;
  }
  return \%dropped;
}

# without_packages(RELATIONS, DROPPED): a relation field's value without the alternatives that
# name a dropped package, and without relations left empty; layout and the rest kept as is
sub without_packages {
  my ($value, $dropped) = @_;
  my @items;
  for my $item (split /,/, $value) {
    my @alternatives = grep { my ($name) = /^\s*([^\s(:\[<]+)/; !($name && $dropped->{$name}) } split /\|/, $item;
    push @items, join('|', @alternatives) if @alternatives && $item =~ /\S/;
  }
  return join(',', @items);
}

1;
