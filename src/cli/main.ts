import { loadEnvFile } from '../shared/env-file.ts';
import { installInterruptHandler } from './interrupt.ts';
import { runCli } from './run-cli.ts';

/**
 * Entry point of the `audiobatch` CLI (bin/audiobatch.js loads it through tsx). Reads the
 * environment (and `.env`) here and nowhere else, and ends the process with the command's exit code.
 */
installInterruptHandler((code) => process.exit(code));
// AUDIOBATCH_URL and AUDIOBATCH_API_KEY may come from `.env`; the real environment wins.
loadEnvFile();
const code = await runCli(process.argv, {
  env: process.env,
  stdout: process.stdout,
  print: (line) => console.log(line),
  printError: (line) => console.error(line),
});
// Exit explicitly (idle keep-alive sockets of fetch must not hold a finished command open),
// once both streams have flushed what was written before (pipes may be asynchronous).
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
