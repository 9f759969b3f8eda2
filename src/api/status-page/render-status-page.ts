// The status page as HTML, rendered on the server: no script, no framework. It refreshes
// itself, and its tables scroll sideways on a phone rather than shrinking past reading.
import type { FarmStatus } from '../../status/farm-status.ts';

export interface PageContext {
  /** The service's own address, for the apt line (`http://host:port`). */
  baseUrl: string;
  suite: string;
  component: string;
  /** The architectures built (ARCHES), the default first. */
  arches: string[];
  refreshSeconds: number;
  now: Date;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A tagged template whose values are escaped unless they are Html already. */
class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}
function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((value, i) => {
    const part = Array.isArray(value)
      ? value.map((v) => (v instanceof Html ? v.text : escapeHtml(String(v)))).join('')
      : value instanceof Html
        ? value.text
        : value === null || value === undefined
          ? ''
          : escapeHtml(String(value));
    out += part + strings[i + 1]!;
  });
  return new Html(out);
}

function ago(at: Date, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - at.getTime()) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d`;
}

const name = (job: { id: number; source: string; version: string | null }) =>
  html`<a href="/v1/jobs/${job.id}">#${job.id}</a> <strong>${job.source}</strong> ${job.version ?? ''}`;

const STYLE = `
:root { color-scheme: light dark; --muted: #6b7280; --line: #d1d5db; --ok: #15803d; --bad: #b91c1c; --wait: #a16207; --run: #1d4ed8; }
* { box-sizing: border-box; }
body { font: 16px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; padding: 0.75rem; max-width: 72rem; }
h1 { font-size: 1.35rem; margin: 0.2rem 0; }
h2 { font-size: 1.1rem; margin: 1.4rem 0 0.4rem; }
.muted, small { color: var(--muted); }
.counts { display: flex; flex-wrap: wrap; gap: 0.4rem; padding: 0; list-style: none; margin: 0.6rem 0; }
.counts li { border: 1px solid var(--line); border-radius: 0.4rem; padding: 0.15rem 0.55rem; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: break-word; }
th { font-size: 0.85rem; color: var(--muted); font-weight: 600; }
td.explain { overflow-wrap: anywhere; }
.state { font-weight: 600; white-space: nowrap; }
.published, .healthy { color: var(--ok); } .failed, .unhealthy { color: var(--bad); } .cancelled { color: var(--muted); }
.queued, .dep-wait, .fetching, .drained { color: var(--wait); } .building { color: var(--run); }
code, pre { font: 0.85rem/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { white-space: pre-wrap; word-break: break-all; border: 1px solid var(--line); border-radius: 0.4rem; padding: 0.5rem; }
a { color: inherit; }
@media (max-width: 40rem) { body { font-size: 15px; padding: 0.5rem; } th, td { padding: 0.3rem; } }
`;

export function renderStatusPage(status: FarmStatus, ctx: PageContext): string {
  const { now } = ctx;
  const building = status.building.length
    ? html`<div class="scroll">
        <table>
          <thead>
            <tr>
              <th>job</th>
              <th>engine</th>
              <th>running for</th>
              <th>log</th>
            </tr>
          </thead>
          <tbody>
            ${status.building.map(
              (b) =>
                html`<tr class="job" data-state="building">
                  <td>${name(b)}</td>
                  <td>${b.engine} <small>attempt ${b.attempt}</small></td>
                  <td>${ago(b.startedAt, now)}</td>
                  <td><a href="/v1/jobs/${b.id}/log?attempt=${b.attempt}">live log</a></td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>`
    : html`<p class="muted">Nothing is building.</p>`;
  const waiting = status.waiting.length
    ? html`<div class="scroll">
          <table>
            <thead>
              <tr>
                <th>job</th>
                <th>state</th>
                <th>waiting</th>
                <th>why it is not building</th>
              </tr>
            </thead>
            <tbody>
              ${status.waiting.map(
                (w) =>
                  html`<tr class="job" data-state="${w.state}">
                    <td>${name(w)}${w.priority !== 0 ? html` <small>priority ${w.priority}</small>` : ''}</td>
                    <td class="state ${w.state}">${w.state}</td>
                    <td>${ago(w.since, now)}</td>
                    <td class="explain">${w.explanation ?? ''}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>
        ${status.moreWaiting > 0 ? html`<p class="muted">and ${status.moreWaiting} more (<a href="/v1/jobs?state=queued">all queued</a>)</p>` : ''}`
    : html`<p class="muted">The queue is empty.</p>`;
  const recent = status.recent.length
    ? html`<div class="scroll">
        <table>
          <thead>
            <tr>
              <th>job</th>
              <th>result</th>
              <th>when</th>
              <th>log and packages</th>
            </tr>
          </thead>
          <tbody>
            ${status.recent.map(
              (r) =>
                html`<tr class="job" data-state="${r.state}">
                  <td>${name(r)}</td>
                  <td>
                    <span class="state ${r.state}">${r.state}</span
                    >${r.state !== 'published' && r.reason ? html`<br /><small>${r.reason}</small>` : ''}
                  </td>
                  <td>${ago(r.at, now)} ago</td>
                  <td>
                    ${r.attempt !== null ? html`<a href="/v1/jobs/${r.id}/log?attempt=${r.attempt}">log</a>` : html`<span class="muted">no build</span>`}${r.debs.map((d) => html`<br /><a href="/v1/jobs/${r.id}/artifacts/${encodeURIComponent(d)}?attempt=${r.attempt}">${d}</a>`)}
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>`
    : html`<p class="muted">No job has finished yet.</p>`;
  const engines = status.engines.length
    ? html`<div class="scroll">
        <table>
          <thead>
            <tr>
              <th>engine</th>
              <th>health</th>
              <th>in use</th>
              <th>drain</th>
            </tr>
          </thead>
          <tbody>
            ${status.engines.map(
              (e) =>
                html`<tr>
                  <td>${e.id}</td>
                  <td class="${e.healthy ? 'healthy' : 'unhealthy'}">${e.healthy ? 'healthy' : `unhealthy: ${e.detail}`}</td>
                  <td>${e.running} of ${e.capacity}</td>
                  <td class="${e.drained ? 'drained' : ''}">${e.drained ? `drained: ${e.drainReason ?? ''}` : 'open'}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>`
    : html`<p class="muted">This process runs no builder engines.</p>`;
  const aptLine = `deb [arch=${ctx.arches.join(',')} signed-by=/usr/share/keyrings/stubdom.asc] ${ctx.baseUrl}/apt ${ctx.suite} ${ctx.component}`;
  const counts = Object.entries(status.counts).map(([state, n]) => html`<li><span class="state ${state}">${state}</span> ${n}</li>`);
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta http-equiv="refresh" content="${ctx.refreshSeconds}" />
        <title>stubbuild: ${status.building.length} building, ${status.counts.queued} queued</title>
        <style>
          ${new Html(STYLE)}
        </style>
      </head>
      <body>
        <header>
          <h1>stubbuild — ${ctx.arches.join(', ')}</h1>
          <p class="muted">
            As of
            ${now
              .toISOString()
              .replace('T', ' ')
              .replace(/\.\d+Z$/, ' UTC')};
            this page refreshes every ${ctx.refreshSeconds} s.
          </p>
          <ul class="counts">
            ${counts}
          </ul>
        </header>
        <section id="building">
          <h2>Building (${status.building.length})</h2>
          ${building}
        </section>
        <section id="queue">
          <h2>Waiting (${status.counts.fetching + status.counts.queued + status.counts['dep-wait']})</h2>
          ${waiting}
        </section>
        <section id="recent">
          <h2>Recent results</h2>
          ${recent}
        </section>
        <section id="engines">
          <h2>Engines</h2>
          ${engines}
        </section>
        <section id="apt">
          <h2>Using the repository</h2>
          <pre>
curl -fsSo /usr/share/keyrings/stubdom.asc ${ctx.baseUrl}/apt/key.asc
${ctx.arches.map((arch) => `dpkg --add-architecture ${arch}\n`).join('')}echo '${aptLine}' &gt; /etc/apt/sources.list.d/stubdom.list</pre>
          <p>Key: <a href="/apt/key.asc">key.asc</a> · API: <a href="/docs">/docs</a> · <a href="/metrics">metrics</a></p>
        </section>
      </body>
    </html> `.text;
}
