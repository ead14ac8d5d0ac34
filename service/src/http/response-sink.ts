/**
 * A stream's way into an HTTP response that commits to success only with the first byte: until then a failure
 * (the database refusing the first page, say) can still be answered as a JSON error with its proper status; after
 * it, the download is cut, which a client sees as incomplete. A client that goes away stops the stream.
 */
import { Writable } from 'node:stream';
import type { Response } from 'express';

export function responseSink(res: Response, headers: Record<string, string>): Writable {
  const start = () => {
    if (!res.headersSent) res.status(200).set(headers);
  };
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      start();
      if (res.write(chunk)) done();
      else res.once('drain', () => done());
    },
    final(done) {
      start();
      res.end(done);
    },
    destroy(err, done) {
      if (err && res.headersSent) res.destroy(err);
      done(err);
    },
  });
  res.once('close', () => {
    if (!res.writableFinished) sink.destroy(new Error('the client closed the connection'));
  });
  return sink;
}
