// DESIGN.md's two tables, as data: the states and the only transitions allowed between them.
export const jobStates = ['fetching', 'queued', 'dep-wait', 'building', 'publishing', 'published', 'failed', 'cancelled'] as const;

export type JobState = (typeof jobStates)[number];

export const legalTransitions: Readonly<Record<JobState, readonly JobState[]>> = {
  fetching: ['queued', 'failed', 'cancelled'],
  queued: ['building', 'dep-wait', 'cancelled'],
  'dep-wait': ['queued', 'cancelled'],
  building: ['publishing', 'dep-wait', 'failed', 'queued', 'cancelled'],
  publishing: ['published', 'failed'],
  // fetching: the requeue of an archive job whose source could not be fetched.
  failed: ['queued', 'fetching'],
  cancelled: ['queued'],
  published: [],
};

export function isLegalTransition(from: JobState, to: JobState): boolean {
  return legalTransitions[from].includes(to);
}

export function isJobState(value: string): value is JobState {
  return (jobStates as readonly string[]).includes(value);
}
