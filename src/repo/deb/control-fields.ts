// The control file of a .deb: one deb822 paragraph in UTF-8, and the identity fields the
// repository files it by (Package, Version, Architecture, Source), checked.
import { getField, parseDeb822, type Paragraph } from '../../debian/deb822.ts';
import { findUnsafeField } from '../../debian/control-characters.ts';
import { DebianParseError } from '../../debian/parse-error.ts';
import { assertPackageName, assertVersion } from '../pool/pool-path.ts';
import { RepoError } from '../repo-error.ts';
import type { DebInfo } from './inspect-deb.ts';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export function parseControl(bytes: Buffer): Paragraph {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch (err) {
    throw new RepoError('bad-control', 'the control file is not valid UTF-8', { cause: err });
  }
  let paragraphs: Paragraph[];
  try {
    paragraphs = parseDeb822(text);
  } catch (err) {
    if (err instanceof DebianParseError) {
      throw new RepoError('bad-control', `the control file is not valid: ${err.message}`, { cause: err });
    }
    throw err;
  }
  const [paragraph, ...extra] = paragraphs;
  if (!paragraph || extra.length > 0) {
    throw new RepoError('bad-control', `the control file must hold exactly one paragraph, it holds ${paragraphs.length}`);
  }
  return paragraph;
}

function requireControlField(control: Paragraph, name: string): string {
  const value = getField(control, name);
  if (value === undefined || value.trim() === '') {
    throw new RepoError('missing-field', `the control file has no ${name} field`);
  }
  if (value.includes('\n')) throw new RepoError('bad-control', `the ${name} field must be a single line`);
  return value;
}

/** Validates the identity fields and works out the source name and version. */
export function identifyPackage(
  control: Paragraph,
  allowedArchitectures: string[],
): Pick<DebInfo, 'package' | 'version' | 'architecture' | 'source' | 'sourceVersion'> {
  const unsafe = findUnsafeField(control.fields);
  if (unsafe)
    throw new RepoError(
      'bad-control',
      `the ${unsafe.field} field holds the control character ${unsafe.character}; control fields must be plain text`,
    );
  const pkg = requireControlField(control, 'Package');
  const version = requireControlField(control, 'Version');
  const architecture = requireControlField(control, 'Architecture');
  assertPackageName(pkg);
  assertVersion(version);
  if (!allowedArchitectures.includes(architecture)) {
    throw new RepoError(
      'wrong-architecture',
      `${pkg} ${version} is built for ${JSON.stringify(architecture)}; this repository accepts ${allowedArchitectures.join(', ')}`,
    );
  }
  let source = pkg;
  let sourceVersion = version;
  const sourceField = getField(control, 'Source');
  if (sourceField !== undefined && sourceField.trim() !== '') {
    const m = /^(\S+)(?:\s+\((\S+)\))?$/.exec(sourceField.trim());
    if (!m) throw new RepoError('bad-control', `the Source field ${JSON.stringify(sourceField)} is not "name" or "name (version)"`);
    source = m[1]!;
    sourceVersion = m[2] ?? version;
    assertPackageName(source, 'source package');
    assertVersion(sourceVersion, 'source version');
  }
  return { package: pkg, version, architecture, source, sourceVersion };
}
