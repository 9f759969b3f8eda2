// Why a failed job failed, by class: what a list of failures is filtered and counted by, as a
// buildd's fail log is read (the job's reason keeps the first error line).
export const causeClasses = [
  'compile',
  'link',
  'configure',
  'shared-library',
  'missing-build-dependency',
  'packaging',
  'test',
  'timeout',
  'fetch',
  'infrastructure',
  'ownership',
  'other',
] as const;
export type CauseClass = (typeof causeClasses)[number];
