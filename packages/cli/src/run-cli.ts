import { type Command, CommanderError } from 'commander';

/** Exit code for bad input (flags, targets, ports), as in BSD sysexits' usage convention. */
export const EXIT_USAGE = 2;

/** An error the user can fix: printed as one line, exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Parses argv with commander and runs the action. Bad flags and UsageErrors
 * print one line on stderr and exit 2; --help and --version exit 0; other
 * errors print their message and exit 1.
 */
export async function runCli(program: Command, argv = process.argv): Promise<void> {
  // A reader that went away (`| head`) ends the run quietly, as for any Unix tool.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(0);
  });
  program.exitOverride();
  // One line per error, named after the program, so scripts and people can
  // tell which process complained.
  program.configureOutput({
    outputError: (text, write) => write(`${program.name()}: ${text.trimEnd()} (see --help)\n`),
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = exitCodeFor(program, error);
  }
}

function exitCodeFor(program: Command, error: unknown): number {
  if (error instanceof CommanderError) {
    // commander has already printed its message.
    return error.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  if (error instanceof UsageError) {
    process.stderr.write(`${program.name()}: error: ${error.message}\n`);
    return EXIT_USAGE;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${program.name()}: ${message}\n`);
  return 1;
}
