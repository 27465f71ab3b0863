/** True when `error` is a Node fs error with one of the given codes (`ENOENT`, ...). */
export function isFsError(error: unknown, ...codes: string[]): boolean {
  return (
    error instanceof Error &&
    'code' in error &&
    typeof error.code === 'string' &&
    codes.includes(error.code)
  );
}
