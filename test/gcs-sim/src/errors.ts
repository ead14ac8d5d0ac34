/**
 * Errors the simulator answers with, in the JSON API's error body shape:
 * `{"error":{"code":N,"message":"…","errors":[{"message":"…","domain":"global","reason":"…"}]}}`.
 */
export class GcsError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly extra: { location?: string; locationType?: string } = {},
  ) {
    super(message);
    this.name = 'GcsError';
  }

  toBody(): { error: { code: number; message: string; errors: Array<Record<string, string>> } } {
    return {
      error: {
        code: this.status,
        message: this.message,
        errors: [{ message: this.message, domain: 'global', reason: this.reason, ...this.extra }],
      },
    };
  }
}

export const gcsErrors = {
  bucketNotFound: (bucket: string) =>
    new GcsError(404, 'notFound', `The specified bucket does not exist: ${bucket}`),
  objectNotFound: (bucket: string, name: string) =>
    new GcsError(404, 'notFound', `No such object: ${bucket}/${name}`),
  bucketExists: (bucket: string) =>
    new GcsError(
      409,
      'conflict',
      `Your previous request to create the named bucket succeeded and you already own it: ${bucket}`,
    ),
  bucketNotEmpty: (bucket: string) =>
    new GcsError(409, 'conflict', `The bucket you tried to delete is not empty: ${bucket}`),
  preconditionFailed: (location: string) =>
    new GcsError(412, 'conditionNotMet', 'At least one of the pre-conditions you specified did not hold.', {
      locationType: 'header',
      location,
    }),
  notModified: () => new GcsError(304, 'notModified', 'Not Modified'),
  badRequest: (message: string) => new GcsError(400, 'invalid', message),
  required: (what: string) => new GcsError(400, 'required', `Required: ${what}`),
  rangeNotSatisfiable: (range: string, size: number) =>
    new GcsError(
      416,
      'requestedRangeNotSatisfiable',
      `The requested range cannot be satisfied: ${range} (object size ${size})`,
    ),
  notImplemented: (what: string) => new GcsError(501, 'notImplemented', `gcs-sim does not implement ${what}`),
  unavailable: (why: string) => new GcsError(503, 'backendError', why),
};
