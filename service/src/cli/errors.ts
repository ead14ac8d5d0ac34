/** A mistake in how a command was called (bad flag value, missing option): exit code 2, message only. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}
