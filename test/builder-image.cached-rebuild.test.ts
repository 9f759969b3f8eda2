import { defineCachedRebuild } from './helpers/cached-rebuild.ts';

// With nothing changed, building the image again is all cache.
// (From nothing: `docker rmi stubbuild/stubdom-amd64:bookworm stubbuild/debootstrap-bookworm:…`
// then `stubbuild image build --base debootstrap`.) The rumprun image: test/rump/.
defineCachedRebuild('stubdom-amd64');
