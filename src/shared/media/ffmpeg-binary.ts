import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';

/**
 * Where the ffmpeg executable the mix runs is, or why there is none. `source` says which rule
 * found it: `env` (FFMPEG_PATH), `installer` (the `@ffmpeg-installer/ffmpeg` npm package, a
 * static linux-x64 build shipped inside the registry package, so `npm ci` brings it on a fresh
 * machine) or `path` (an `ffmpeg` on the PATH, e.g. Debian's package).
 */
export type FfmpegBinary =
  | { available: true; path: string; source: 'env' | 'installer' | 'path' }
  | { available: false; reason: string };

let resolvedForProcess: FfmpegBinary | undefined;

/**
 * Finds ffmpeg: `FFMPEG_PATH` first (`none` turns the tool off, e.g. to run without dubbing or
 * to test the refusal), then the npm package's binary, then `ffmpeg` on the PATH. The answer
 * for the process's own environment is memoized (the intake asks on every dub submission); an
 * explicit `env` is resolved afresh. The tool's location is a fact of the machine like PATH
 * itself, which is why it is read here and not parsed into the service config.
 */
export function resolveFfmpeg(env?: NodeJS.ProcessEnv): FfmpegBinary {
  if (env) return resolveFrom(env);
  resolvedForProcess ??= resolveFrom(process.env);
  return resolvedForProcess;
}

function resolveFrom(env: NodeJS.ProcessEnv): FfmpegBinary {
  const configured = env.FFMPEG_PATH?.trim();
  if (configured === 'none') {
    return { available: false, reason: 'ffmpeg is turned off (FFMPEG_PATH=none).' };
  }
  if (configured) {
    return isExecutableFile(configured)
      ? { available: true, path: configured, source: 'env' }
      : { available: false, reason: `FFMPEG_PATH=${configured} is not an executable file.` };
  }
  const installed = installerBinary();
  if (installed) return { available: true, path: installed, source: 'installer' };
  const onPath = findOnPath('ffmpeg', env.PATH ?? '');
  if (onPath) return { available: true, path: onPath, source: 'path' };
  return {
    available: false,
    reason:
      'ffmpeg was not found: the @ffmpeg-installer/ffmpeg package has no binary for this ' +
      `platform (${process.platform}-${process.arch}) and no ffmpeg is on the PATH. ` +
      'Install ffmpeg (apt-get install ffmpeg) or set FFMPEG_PATH.',
  };
}

/** The npm package throws (a string) when its platform package is absent: that is "no binary". */
function installerBinary(): string | null {
  try {
    const require = createRequire(import.meta.url);
    const found = require('@ffmpeg-installer/ffmpeg') as { path?: unknown };
    return typeof found.path === 'string' && isExecutableFile(found.path) ? found.path : null;
  } catch {
    return null;
  }
}

function findOnPath(name: string, searchPath: string): string | null {
  for (const dir of searchPath.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
