// Delivers a builder image from one engine to another through the engines' API, without a
// registry: `docker save` on the engine that has it streams straight into `docker load` on the
// one that lacks it (the bytes pass through this process, never to disk). The image is checked
// afterwards by its id: the same id on both ends, or it is an error.
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';

export class ImagePushError extends Error {}

export interface ImagePushProgress {
  /** Bytes of the image archive sent so far. */
  sent: number;
  /** The image's size as the source engine states it (the archive is about as large). */
  size: number;
}

export interface PushEngine {
  id: string;
  docker: Docker;
}

/** The image's id on an engine, or undefined when the engine lacks it. */
export async function imageIdOn(docker: Docker, image: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(image).inspect()).Id;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}

/** What `docker load` answers: JSON lines, one of which may carry the error. */
async function readLoadAnswer(answer: Readable): Promise<string> {
  let text = '';
  for await (const chunk of answer) text += (chunk as Buffer).toString('utf8');
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const message = JSON.parse(line) as { error?: string; errorDetail?: { message?: string } };
    if (message.error) throw new ImagePushError(message.errorDetail?.message ?? message.error);
  }
  return text;
}

/** Copies `image` from `from` to `to`; resolves to its id, the same on both. */
export async function pushImage(
  image: string,
  from: PushEngine,
  to: PushEngine,
  onProgress: (progress: ImagePushProgress) => void = () => undefined,
): Promise<string> {
  const source = await from.docker
    .getImage(image)
    .inspect()
    .catch((error: unknown) => {
      throw new ImagePushError(`engine ${from.id} has no image ${image}: ${error instanceof Error ? error.message : String(error)}`);
    });
  const size = source.Size;
  let sent = 0;
  // Counts in passing (a 'data' listener would set the stream flowing before the load reads it).
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      onProgress({ sent, size });
      done(null, chunk);
    },
  });
  const saved = (await from.docker.getImage(image).get()) as Readable;
  // Both ends at once: what the source sends is loaded as it comes.
  const [answer] = await Promise.all([
    to.docker.loadImage(counted, { quiet: true }) as Promise<Readable>,
    pipeline(saved, counted).catch((error: unknown) => {
      throw new ImagePushError(`reading ${image} from engine ${from.id} failed: ${error instanceof Error ? error.message : String(error)}`);
    }),
  ]).catch((error: unknown) => {
    saved.destroy();
    counted.destroy();
    if (error instanceof ImagePushError) throw error;
    throw new ImagePushError(`loading ${image} into engine ${to.id} failed: ${error instanceof Error ? error.message : String(error)}`);
  });
  await readLoadAnswer(answer);
  const loaded = await imageIdOn(to.docker, image);
  if (loaded !== source.Id) {
    throw new ImagePushError(
      `engine ${to.id} shows ${image} as ${loaded ?? 'missing'} after the load, not ${source.Id} as on engine ${from.id}`,
    );
  }
  return loaded;
}
