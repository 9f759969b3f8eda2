import { defineCachedRebuild } from '../helpers/cached-rebuild.ts';

// The rumprun image, once built (about 20 minutes cold), rebuilds from the layer cache alone:
// the toolchain stage is not run again.
defineCachedRebuild('stubdom-rumprun-amd64');
