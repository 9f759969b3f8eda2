// A second Docker engine on this machine for tests of remote engines: dockerd listening on
// 127.0.0.1 only, with TLS and client certificates made here by openssl, and a data root, exec
// root and pid file of its own, and a bridge of its own made here (never `--bridge=none`: dockerd
// then deletes the host's docker0, the machine engine's bridge). The engine writes no iptables
// rules; with `nat`, rules of the bridge's own give its containers the mirror. It touches nothing
// of the machine's own engine. `stop()` ends it and removes everything it made.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.ts';
import { waitFor } from './wait-for.ts';

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

export interface TlsDockerd {
  host: string;
  /** A client certificate the engine trusts. */
  client: TlsFiles;
  /** A client certificate from another CA: the engine refuses it (ca is the engine's, so the server verifies). */
  untrusted: TlsFiles;
  /** A CA that did not sign the engine's certificate. */
  otherCa: string;
  dir: string;
  stop: () => Promise<void>;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, and a certificate it signs for `cn` with `extensions`. */
function makeCa(dir: string, name: string): void {
  openssl(
    dir,
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'].concat([
      '-keyout',
      `${name}-key.pem`,
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=stubbuild test ${name}`,
    ]),
  );
}

function makeCert(dir: string, ca: string, name: string, cn: string, extensions: string): void {
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(
    dir,
    ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'].concat([
      '-keyout',
      `${name}-key.pem`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${cn}`,
    ]),
  );
  openssl(
    dir,
    ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}-key.pem`, '-CAcreateserial'].concat([
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    ]),
  );
}

/** A bridge for the engine, on a /24 of 10.254.0.0/16 that no route uses yet. */
function makeBridge(port: number): { name: string; subnet: string } {
  const routes = execFileSync('ip', ['route'], { encoding: 'utf8' });
  const third = [...Array(250).keys()].map((i) => (port + i) % 250).find((n) => !routes.includes(`10.254.${n}.`));
  if (third === undefined) throw new Error('no free /24 in 10.254.0.0/16 for the test bridge');
  const name = `sbt${port}`;
  execFileSync('ip', ['link', 'add', name, 'type', 'bridge']);
  execFileSync('ip', ['addr', 'add', `10.254.${third}.1/24`, 'dev', name]);
  execFileSync('ip', ['link', 'set', name, 'up']);
  return { name, subnet: `10.254.${third}.0/24` };
}

/**
 * NAT for the bridge, so the dependency step reaches the Debian mirror: rules of its own, named
 * by the bridge and its subnet (the engine itself runs with --iptables=false), removed by `stop`.
 */
function natRules(bridge: string, subnet: string): string[][] {
  return [
    ['-t', 'nat', '-A', 'POSTROUTING', '-s', subnet, '!', '-o', bridge, '-j', 'MASQUERADE'],
    ['-I', 'FORWARD', '-i', bridge, '!', '-o', bridge, '-j', 'ACCEPT'],
    ['-I', 'FORWARD', '-o', bridge, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
  ];
}
const deleteRule = (rule: string[]) => rule.map((arg) => (arg === '-A' || arg === '-I' ? '-D' : arg));

export async function startTlsDockerd(options: { nat?: boolean } = {}): Promise<TlsDockerd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-dockerd-'));
  const certs = path.join(dir, 'certs');
  fs.mkdirSync(certs);
  makeCa(certs, 'ca');
  makeCert(certs, 'ca', 'server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  makeCert(certs, 'ca', 'client', 'stubbuild', 'extendedKeyUsage=clientAuth\n');
  makeCa(certs, 'rogue-ca');
  makeCert(certs, 'rogue-ca', 'rogue-client', 'stubbuild', 'extendedKeyUsage=clientAuth\n');
  // Docker 20.10 derives `docker info` ID from this key (default /etc/docker/key.json): one of
  // its own, or this engine would look like the machine's own engine.
  fs.writeFileSync(path.join(dir, 'daemon.json'), JSON.stringify({ 'deprecated-key-path': path.join(dir, 'key.json') }));
  const port = await freePort();
  const { name: bridge, subnet } = makeBridge(port);
  const rules = options.nat ? natRules(bridge, subnet) : [];
  for (const rule of rules) execFileSync('iptables', rule);
  const log = path.join(dir, 'dockerd.log');
  const out = fs.openSync(log, 'a');
  const at = (name: string) => path.join(certs, name);
  const child: ChildProcess = spawn(
    'dockerd',
    [
      '--config-file',
      path.join(dir, 'daemon.json'),
      '--data-root',
      path.join(dir, 'data'),
      '--exec-root',
      path.join(dir, 'exec'),
      '--pidfile',
      path.join(dir, 'dockerd.pid'),
      '-H',
      `tcp://127.0.0.1:${port}`,
      '--tlsverify',
      '--tlscacert',
      at('ca.pem'),
      '--tlscert',
      at('server.pem'),
      '--tlskey',
      at('server-key.pem'),
      `--bridge=${bridge}`,
      '--iptables=false',
      '--ip-forward=false',
      '--ip-masq=false',
    ],
    { stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  let exited = false;
  const gone = new Promise<void>((resolve) => {
    const end = () => ((exited = true), resolve());
    child.on('exit', end).on('error', end);
  });
  const stop = async () => {
    if (!exited) child.kill('SIGTERM');
    await gone;
    for (const command of [...rules.map((rule) => ['iptables', ...deleteRule(rule)]), ['ip', 'link', 'del', bridge]]) {
      try {
        execFileSync(command[0]!, command.slice(1), { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      'the second dockerd to listen',
      () => {
        if (exited) throw new Error(`dockerd exited:\n${fs.readFileSync(log, 'utf8').slice(-3000)}`);
        return fs.readFileSync(log, 'utf8').includes('API listen on');
      },
      { stallMs: 60_000, intervalMs: 100, progress: () => fs.statSync(log).size, explain: () => fs.readFileSync(log, 'utf8').slice(-3000) },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    host: `tcp://127.0.0.1:${port}`,
    client: { ca: at('ca.pem'), cert: at('client.pem'), key: at('client-key.pem') },
    untrusted: { ca: at('ca.pem'), cert: at('rogue-client.pem'), key: at('rogue-client-key.pem') },
    otherCa: at('rogue-ca.pem'),
    dir,
    stop,
  };
}
