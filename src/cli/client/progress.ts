// How the client shows a wait: on a terminal one line rewritten each second (state and elapsed
// time) with a lasting line per state change; otherwise plain lines, one per state change.

export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export class Progress {
  private readonly tty: boolean;
  private status = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly began = Date.now();

  constructor(private readonly out: NodeJS.WriteStream) {
    this.tty = out.isTTY === true;
    if (this.tty) this.timer = setInterval(() => this.redraw(), 1000);
  }

  /** A state change: a lasting line. */
  line(text: string): void {
    const stamped = `${text} (${formatElapsed(Date.now() - this.began)})`;
    if (this.tty) this.out.write(`\r\x1b[2K${stamped}\n`);
    else this.out.write(`${stamped}\n`);
    this.redraw();
  }

  /** What is shown on the rewritten line (terminals only). */
  set(status: string): void {
    this.status = status;
    this.redraw();
  }

  /** Clears the rewritten line before other output. */
  clear(): void {
    if (this.tty) this.out.write('\r\x1b[2K');
  }

  stop(): void {
    clearInterval(this.timer);
    this.clear();
  }

  private redraw(): void {
    if (this.tty && this.status) this.out.write(`\r\x1b[2K${this.status} ${formatElapsed(Date.now() - this.began)}`);
  }
}
