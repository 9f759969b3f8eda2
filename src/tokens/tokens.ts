import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/in-transaction.ts';
import { DomainError } from '../domain-error.ts';

export type TokenRole = 'read' | 'submit' | 'admin';
export const tokenRoles = ['read', 'submit', 'admin'] as const satisfies readonly TokenRole[];

export interface TokenInfo {
  id: string;
  name: string | null;
  role: TokenRole;
  /** Source names (globs, `*` and `?`) the token may submit; null: any. */
  sources: string[] | null;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

const TOKEN_PREFIX = 'sbt_';
const COLUMNS = ['id', 'name', 'role', 'created_at', 'expires_at', 'revoked_at', 'sources'] as const;

// Tokens carry 256 random bits, so a plain SHA-256 is enough to store them (no stretching needed).
function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Creates a token; the secret is returned here once and never stored. */
export async function createToken(
  db: Db,
  input: { role: TokenRole; name?: string | null; expiresAt?: Date | null; createdBy?: string | null; sources?: string[] | null },
): Promise<TokenInfo & { token: string }> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const row = await db
    .insertInto('api_tokens')
    .values({
      id: randomUUID(),
      name: input.name ?? null,
      role: input.role,
      token_hash: hashToken(token),
      expires_at: input.expiresAt ?? null,
      created_by: input.createdBy ?? null,
      sources: input.sources ?? null,
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return { ...toInfo(row), token };
}

export type TokenCheck = { ok: true; token: TokenInfo } | { ok: false; why: 'unknown' | 'expired' | 'revoked' };

/** Looks a presented secret up; says why it is refused when it is. */
export async function authenticateToken(db: Db, secret: string): Promise<TokenCheck> {
  const row = await db
    .selectFrom('api_tokens')
    .select([...COLUMNS, sql<boolean>`expires_at <= now()`.as('expired')])
    .where('token_hash', '=', hashToken(secret))
    .executeTakeFirst();
  if (!row) return { ok: false, why: 'unknown' };
  if (row.revoked_at) return { ok: false, why: 'revoked' };
  if (row.expired) return { ok: false, why: 'expired' };
  return { ok: true, token: toInfo(row) };
}

export async function listTokens(db: Db): Promise<TokenInfo[]> {
  const rows = await db.selectFrom('api_tokens').select(COLUMNS).orderBy('created_at').orderBy('id').execute();
  return rows.map(toInfo);
}

/** Revokes at once: the next request with the token is refused. Rows stay, jobs reference them. */
export async function revokeToken(db: Db, id: string): Promise<TokenInfo> {
  const row = await db
    .updateTable('api_tokens')
    .set({ revoked_at: sql<Date>`coalesce(revoked_at, now())` })
    .where('id', '=', id)
    .returning(COLUMNS)
    .executeTakeFirst();
  if (!row) throw new DomainError('not-found', `token ${id} does not exist`);
  return toInfo(row);
}

/** Whether any admin token that still works exists (the first start makes one when not). */
export async function hasUsableAdminToken(db: Db): Promise<boolean> {
  const row = await db
    .selectFrom('api_tokens')
    .select('id')
    .where('role', '=', 'admin')
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
    .executeTakeFirst();
  return row !== undefined;
}

function toInfo(row: {
  id: string;
  name: string | null;
  role: TokenRole;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  sources: string[] | null;
}): TokenInfo {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    sources: row.sources,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

/** A source-name glob as tokens carry them: `*` any run of characters, `?` one. */
function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** Whether a token may submit builds of `source` (admins and unscoped tokens: any). */
export function mayBuildSource(token: Pick<TokenInfo, 'role' | 'sources'>, source: string): boolean {
  if (token.role === 'admin' || token.sources === null) return true;
  return token.sources.some((glob) => globToRegExp(glob).test(source));
}

/** Refuses a source outside the token's scope, naming it. */
export function requireSourceInScope(token: Pick<TokenInfo, 'id' | 'role' | 'sources'>, source: string): void {
  if (mayBuildSource(token, source)) return;
  throw new DomainError('forbidden', `this token may not submit ${source}: it may submit only ${token.sources!.join(', ')}`, { source });
}
