// The health detail of an engine that cannot be used names the cause from the error's code:
// the errors here are shaped as Node's TLS and socket layers and ssh2 raise them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEngineError } from '../src/builders/engine-error-detail.ts';

const tls = { host: 'tcp://build-2:2376', tls: { ca: '/etc/sb/ca.pem', cert: '/etc/sb/cert.pem', key: '/etc/sb/key.pem' } };
const coded = (message: string, fields: Record<string, string>) => Object.assign(new Error(message), fields);

test('an SSH login the engine refuses names SSH, the host and the agent', () => {
  const detail = describeEngineError(coded('All configured authentication methods failed', { level: 'client-authentication' }), {
    host: 'ssh://builder@build-3',
  });
  assert.equal(
    detail,
    'SSH login to ssh://builder@build-3 failed: All configured authentication methods failed (keys from the ssh agent, SSH_AUTH_SOCK)',
  );
});

test('an expired server certificate and a name mismatch say which check failed, against which CA file', () => {
  assert.match(
    describeEngineError(coded('certificate has expired', { code: 'CERT_HAS_EXPIRED' }), tls),
    /certificate has expired \(checked against tls\.ca \/etc\/sb\/ca\.pem\)/,
  );
  assert.match(
    describeEngineError(coded("Hostname/IP does not match certificate's altnames", { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), tls),
    /does not name the host it was reached at/,
  );
});

test('refused, unresolvable and plain-HTTP-to-TLS engines each say so; an unknown error keeps its message', () => {
  assert.equal(
    describeEngineError(coded('connect ECONNREFUSED', { code: 'ECONNREFUSED' }), tls),
    'connection refused at tcp://build-2:2376 (no engine listens there)',
  );
  assert.match(describeEngineError(coded('getaddrinfo ENOTFOUND build-2', { code: 'ENOTFOUND' }), tls), /does not resolve/);
  assert.match(
    describeEngineError(new Error('(HTTP code 400) Client sent an HTTP request to an HTTPS server.'), { host: 'tcp://build-2:2376' }),
    /speaks TLS/,
  );
  assert.equal(describeEngineError(new Error('something else'), tls), 'something else');
});
