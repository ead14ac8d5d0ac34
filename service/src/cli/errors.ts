/** A mistake in how a command was called (bad flag value, missing option): exit code 2, message only. */
import { AppError } from '../app/app-error.js';

export class CliUsageError extends AppError {
  constructor(message: string) {
    super('INVALID_REQUEST', message);
    this.name = 'CliUsageError';
  }
}
