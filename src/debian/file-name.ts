// Names of uploaded files (.dsc, tarballs, .deb) end up as paths in our storage and in the
// pool; anything that could escape a directory or confuse a terminal or log is refused.
const MAX_BYTES = 255;

/** A human reason why `name` is not a safe upload file name, or undefined when it is fine. */
export function checkUploadFileName(name: string): string | undefined {
  if (name === '') return 'file name is empty';
  if (name === '.' || name === '..') return `file name ${JSON.stringify(name)} is a directory reference`;
  if (name.includes('/') || name.includes('\\')) return 'file name contains a path separator';
  if (name.includes('..')) return 'file name contains ".."';
  // \p{Cc}: C0 controls including NUL, DEL and the C1 range.
  if (/\p{Cc}/u.test(name)) return 'file name contains a control character';
  // A lone UTF-16 surrogate has no UTF-8 spelling, so it cannot name a file on disk.
  if (/\p{Cs}/u.test(name)) return 'file name is not valid Unicode';
  if (name.startsWith('.')) return 'file name starts with a dot';
  if (new TextEncoder().encode(name).length > MAX_BYTES) return `file name is longer than ${MAX_BYTES} bytes`;
  return undefined;
}
