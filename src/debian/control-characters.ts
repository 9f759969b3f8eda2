// Characters no control field should carry: terminal escapes (ESC, CR and the other C0/C1
// controls) and Unicode bidirectional overrides. In a Packages or Sources index they would
// reach every `apt show` and every web page that prints a description, and can make one text
// read as another.
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** Describes the first unsafe character in `text` (e.g. "U+001B"), or undefined. */
export function findUnsafeCharacter(text: string): string | undefined {
  const m = UNSAFE.exec(text);
  return m ? `U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : undefined;
}

/** The first field of a paragraph whose name or value holds an unsafe character, and which. */
export function findUnsafeField(fields: readonly { name: string; value: string }[]): { field: string; character: string } | undefined {
  for (const f of fields) {
    const character = findUnsafeCharacter(f.name) ?? findUnsafeCharacter(f.value);
    if (character) return { field: f.name, character };
  }
  return undefined;
}
