/**
 * Named places where the fault suite kills this process with SIGKILL, to prove that every
 * step of a finish or an intake survives a crash between it and the next. Armed only by the
 * CRASH_POINTS setting (refused in production); unarmed, a crash point is one null check.
 *
 * A point fires on its first visit (`finish-commit`) or on its n-th (`batch-intake-chunk@2`).
 */
let armed: Map<string, number> | null = null;
const visits = new Map<string, number>();

/** Arms the points named in `spec` (CRASH_POINTS, already split); an empty list disarms. */
export function armCrashPoints(spec: readonly string[]): void {
  armed = null;
  visits.clear();
  for (const entry of spec) {
    const [name = '', nth = '1'] = entry.split('@');
    armed ??= new Map();
    armed.set(name, Math.max(1, Number.parseInt(nth, 10) || 1));
  }
}

/** Dies here, at once and without cleanup, if this point is armed and its visit has come. */
export function crashPoint(name: string): void {
  if (armed === null) return;
  const nth = armed.get(name);
  if (nth === undefined) return;
  const visit = (visits.get(name) ?? 0) + 1;
  visits.set(name, visit);
  if (visit === nth) process.kill(process.pid, 'SIGKILL');
}
