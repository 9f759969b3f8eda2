import { access } from 'node:fs/promises';
import type { Config } from '../../config/config.ts';
import { type Keyring, loadKeyring } from '../openpgp-keyring.ts';

/** Debian's archive keyring, as package debian-archive-keyring installs it. */
export const DEBIAN_ARCHIVE_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** The one component archive references are looked up in. */
export const ARCHIVE_COMPONENT = 'main';

export interface ArchiveSuite {
  /** The name a reference uses; also the folder under dists/. */
  name: string;
  /** Mirror base URL without a trailing slash (…/debian, …/debian-security). */
  baseUrl: string;
  component: string;
}

export interface ArchiveSuites {
  suites: readonly ArchiveSuite[];
  /** The suite of a reference that names none: the first of ARCHIVE_SUITES. */
  defaultSuite: string;
}

export type ArchiveConfig = Pick<Config, 'ARCHIVE_MIRROR' | 'ARCHIVE_SECURITY_MIRROR' | 'ARCHIVE_SUITES' | 'ARCHIVE_SECURITY_SUITES'>;

/** The configured suites and their mirrors; a suite named twice is a configuration error. */
export function archiveSuitesFromConfig(config: ArchiveConfig): ArchiveSuites {
  const suites: ArchiveSuite[] = [];
  const add = (names: readonly string[], baseUrl: string) => {
    for (const name of names) {
      if (suites.some((s) => s.name === name)) {
        throw new Error(`suite ${name} is configured twice (ARCHIVE_SUITES, ARCHIVE_SECURITY_SUITES)`);
      }
      suites.push({ name, baseUrl, component: ARCHIVE_COMPONENT });
    }
  };
  add(config.ARCHIVE_SUITES, config.ARCHIVE_MIRROR);
  add(config.ARCHIVE_SECURITY_SUITES, config.ARCHIVE_SECURITY_MIRROR);
  const first = suites[0];
  if (!first) throw new Error('no archive suite is configured (ARCHIVE_SUITES)');
  return { suites, defaultSuite: first.name };
}

/**
 * The keyring InRelease files are verified with. An ARCHIVE_KEYRING that was set must exist;
 * left unset, Debian's keyring is used when installed, and otherwise nothing is verified
 * (`keyring` undefined; the caller says so loudly).
 */
export async function loadArchiveKeyring(config: Pick<Config, 'ARCHIVE_KEYRING'>): Promise<Keyring | undefined> {
  if (config.ARCHIVE_KEYRING) return loadKeyring(config.ARCHIVE_KEYRING);
  const installed = await access(DEBIAN_ARCHIVE_KEYRING).then(
    () => true,
    () => false,
  );
  return installed ? loadKeyring(DEBIAN_ARCHIVE_KEYRING) : undefined;
}
