import { CommanderError } from 'commander';
import { ZodError } from 'zod';
import { CliError, EXIT, type ExitCode } from './cli-errors.ts';
import { buildProgram, type ProgramIo } from './program.ts';

/**
 * Runs one command line and returns its exit code. Known failures are explained in a few
 * lines without a stack trace; anything unexpected is reported as a bug in the CLI.
 */
export async function runCli(argv: readonly string[], io: ProgramIo): Promise<ExitCode> {
  const result: { code: ExitCode } = { code: EXIT.ok };
  const program = buildProgram(io, result);
  try {
    await program.parseAsync(argv);
    return result.code;
  } catch (error) {
    return report(error, io);
  }
}

function report(error: unknown, io: ProgramIo): ExitCode {
  if (error instanceof CommanderError) {
    // Commander printed the message (or the help) itself.
    const quiet = ['commander.helpDisplayed', 'commander.version', 'commander.help'];
    return quiet.includes(error.code) || error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof CliError) {
    io.printError(`error: ${error.message}`);
    for (const line of error.lines) io.printError(`  ${line}`);
    return error.exitCode;
  }
  if (error instanceof ZodError) {
    io.printError(
      'error: the service answered with an unexpected shape (is it a different version?):',
    );
    for (const issue of error.issues.slice(0, 5))
      io.printError(`  ${issue.path.join('.')}: ${issue.message}`);
    return EXIT.service;
  }
  io.printError(
    `error: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  return EXIT.service;
}
