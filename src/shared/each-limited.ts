/**
 * Runs `run` over `items` (each with its index) with at most `concurrency` at once, in order
 * of start; rejects with the first error (the lanes already running finish their current item).
 */
export async function eachLimited<T>(
  items: readonly T[],
  concurrency: number,
  run: (item: T, index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      await run(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}
