// Why an engine cannot be reached, in words an operator can act on: which side of a TLS
// handshake refused which certificate, a refused connection, a failed SSH login. Node's and
// ssh2's errors say it in codes (ERR_SSL_…, ECONNREFUSED, level client-authentication).

/** Where the engine is and which files it is reached with (engine-config.ts). */
export interface EngineEndpoint {
  host: string;
  tls?: { ca: string; cert: string; key: string } | undefined;
}

interface NetError {
  code?: string;
  level?: string;
  message?: string;
}

// The engine's certificate, as the client checks it against tls.ca.
const SERVER_CERTIFICATE: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'is not signed by a CA in',
  SELF_SIGNED_CERT_IN_CHAIN: 'is signed by a CA not in',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'is self-signed and not in',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'is signed by a CA not in',
  CERT_HAS_EXPIRED: 'has expired (checked against',
  CERT_NOT_YET_VALID: 'is not valid yet (checked against',
  ERR_TLS_CERT_ALTNAME_INVALID: 'does not name the host it was reached at (checked against',
};

/** One line saying why the engine did not answer; the original message is kept at the end. */
export function describeEngineError(error: unknown, endpoint: EngineEndpoint | undefined): string {
  const e = (error ?? {}) as NetError;
  const original = error instanceof Error ? error.message : String(error);
  const code = e.code ?? '';
  const at = endpoint?.host ?? 'the engine';
  const ca = endpoint?.tls ? `tls.ca ${endpoint.tls.ca}` : 'the system CAs';
  const clientCert = endpoint?.tls ? `tls.cert ${endpoint.tls.cert}` : 'no client certificate';
  if (/^ERR_SSL_(SSLV3|TLSV1|TLSV13)_ALERT_(BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_REQUIRED|CERTIFICATE_UNKNOWN)$/.test(code)) {
    const alert = code
      .replace(/^ERR_SSL_\w+?_ALERT_/, '')
      .toLowerCase()
      .replace(/_/g, ' ');
    return `TLS handshake with ${at} failed: the engine refused the client certificate (${clientCert}; alert "${alert}": not signed by a CA the engine trusts, or none sent)`;
  }
  if (/^ERR_SSL_(SSLV3|TLSV1|TLSV13)_ALERT_CERTIFICATE_EXPIRED$/.test(code)) {
    return `TLS handshake with ${at} failed: the engine says the client certificate has expired (${clientCert})`;
  }
  const server = SERVER_CERTIFICATE[code];
  if (server) {
    return `TLS handshake with ${at} failed: the engine's certificate ${server} ${ca}${server.includes('(') ? ')' : ''} [${code}]`;
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return `TLS handshake with ${at} failed: ${original} [${code}]`;
  if (e.level === 'client-authentication') return `SSH login to ${at} failed: ${original} (keys from the ssh agent, SSH_AUTH_SOCK)`;
  if (e.level === 'client-timeout') return `SSH to ${at} timed out: ${original}`;
  if (/Client sent an HTTP request to an HTTPS server/i.test(original)) {
    return `${at} speaks TLS: give the engine tls {ca, cert, key} in BUILDER_ENGINES`;
  }
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused at ${at} (no engine listens there)`;
    case 'ENOENT':
      return `no socket at ${at}`;
    case 'EACCES':
      return `permission denied on ${at} (the service's user may not use the engine)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the name in ${at} does not resolve (${code})`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
      return `${at} cannot be reached (${code})`;
    case 'ECONNRESET':
      return `${at} closed the connection (${code}): a TLS engine reached without tls, or a proxy in the way`;
    default:
      return original;
  }
}
