import { getContainerRuntimeClient } from 'testcontainers';

/**
 * True when testcontainers finds a working container runtime within `timeoutMs`. Without a
 * daemon the lookup fails fast; the timeout covers a daemon that accepts and never answers.
 */
export async function dockerAnswers(timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const probe = getContainerRuntimeClient().then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
