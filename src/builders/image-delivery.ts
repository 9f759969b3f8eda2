// BUILDER_IMAGE_DELIVERY=push: the service itself gives an engine that lacks a profile's builder
// image a copy from one that has it (image-push.ts), at start and then every minute, so a new
// engine becomes usable without anyone at its console. One delivery at a time per process;
// two replicas may push the same image at once, which costs time but is harmless (a load of an
// image already there changes nothing).
import type { Logger } from 'pino';
import type { DockerBuilder } from './docker-builder.ts';
import { imageIdOn, pushImage } from './image-push.ts';

const DELIVERY_INTERVAL_MS = 60_000;

export class ImageDelivery {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly engines: readonly DockerBuilder[],
    /** The builder images of the architectures the service builds. */
    private readonly images: readonly string[],
    private readonly logger: Pick<Logger, 'info' | 'warn'>,
  ) {}

  /** Delivers what is missing now, then every minute; never throws (each failure is logged). */
  start(): void {
    this.deliverSoon();
    this.timer = setInterval(() => this.deliverSoon(), DELIVERY_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private deliverSoon(): void {
    this.running ??= this.deliverMissing().finally(() => (this.running = undefined));
  }

  /** For each image, each engine that answers without it gets it from the first engine that has it. */
  async deliverMissing(): Promise<void> {
    for (const image of this.images) {
      // undefined: the engine lacks the image; null: the engine does not answer.
      const ids = await Promise.all(this.engines.map((e) => imageIdOn(e.docker, image).catch(() => null)));
      const sourceIndex = ids.findIndex((id) => typeof id === 'string');
      if (sourceIndex < 0) continue;
      const source = this.engines[sourceIndex]!;
      for (const [i, target] of this.engines.entries()) {
        if (ids[i] !== undefined) continue;
        this.logger.info({ image, from: source.id, to: target.id }, `engine ${target.id} lacks ${image}: pushing it from ${source.id}`);
        let lastQuarter = 0;
        try {
          const id = await pushImage(image, source, target, ({ sent, size }) => {
            const quarter = size > 0 ? Math.floor((sent / size) * 4) : 0;
            if (quarter > lastQuarter && quarter < 4) {
              lastQuarter = quarter;
              this.logger.info({ image, to: target.id, sent, size }, `pushing ${image} to ${target.id}: ${quarter * 25}%`);
            }
          });
          this.logger.info({ image, from: source.id, to: target.id, id }, `pushed ${image} to engine ${target.id}`);
        } catch (error) {
          this.logger.warn({ image, from: source.id, to: target.id, err: error }, `pushing ${image} to engine ${target.id} failed`);
        }
      }
    }
  }
}
