import type { JobState } from './job-states.ts';

/** States of a job that may still build: a newer or a rebuild job waits for these. */
export const liveStates = ['fetching', 'queued', 'dep-wait', 'building', 'publishing'] as const satisfies readonly JobState[];
