// A deadline for one call to a Docker engine. An engine that accepts connections but stops
// answering (a wedged daemon, a dead ssh tunnel) must fail the attempt as an infrastructure
// fault — retried elsewhere — rather than hold the job and its lease forever. Calls whose
// length depends on the build (wait, attach, archive transfers) get their own limits.
export const DOCKER_CALL_TIMEOUT_MS = 60_000;

/** The call gets an abort signal (dockerode passes it on); its promise races the deadline. */
export async function withDeadline<T>(what: string, ms: number, call: (opts: { abortSignal: AbortSignal }) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`${what}: the Docker engine did not answer within ${ms / 1000} s`));
    }, ms);
  });
  try {
    return await Promise.race([call({ abortSignal: controller.signal }), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
