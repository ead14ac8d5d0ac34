/**
 * The dashboard preview's pages (`npm start` only, see preview-access.ts): the one-time login link that sets the
 * session cookie, the session's org for the page's Apex bridge, and the built preview (preview/build.ts) as
 * static files — all behind the session cookie. The page's API calls go to the API routes, which accept the
 * cookie in place of a service key (app.ts).
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { AppError } from '../app/app-error.js';
import { PreviewAccess } from './preview-access.js';

export interface PreviewServing {
  access: PreviewAccess;
  /** Folder of the built preview (index.html, main.js, assets/), or its build under way. */
  dir: string | Promise<string>;
}

const page = (title: string, body: string, head = '') =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>${head}</head><body><main><h1>${title}</h1>${body}</main></body></html>`;

export function previewRouter(preview: PreviewServing): Router {
  const router = express.Router();

  router.get('/preview/login', (req: Request, res: Response, next: NextFunction) => {
    res.locals.route = '/preview/login';
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    const session = preview.access.redeem(token);
    if (session === null) {
      next(
        new AppError(
          'UNAUTHORIZED',
          'this login link was used already or is not valid; each link works once — restart npm start for a new one',
        ),
      );
      return;
    }
    // An HTML answer that moves on by itself rather than a redirect: after a redirect started from another
    // site (a terminal, a mail), the browser would not send the SameSite=Strict cookie with the next request.
    res
      .status(200)
      .set('Set-Cookie', PreviewAccess.cookie(session))
      .set('Referrer-Policy', 'no-referrer')
      .type('html')
      .send(
        page(
          'Signed in to the Auto Backup preview',
          '<p><a href="/">Open the dashboard</a></p>',
          '<meta http-equiv="refresh" content="0; url=/">',
        ),
      );
  });

  router.get('/preview/session', (req: Request, res: Response, next: NextFunction) => {
    res.locals.route = '/preview/session';
    if (!preview.access.hasSession(req)) {
      next(new AppError('UNAUTHORIZED', 'no preview session; open the login link npm start printed'));
      return;
    }
    res.json({ orgId: preview.access.orgId });
  });

  // The service may start before the preview's first build is done: the files are served once it is.
  const files = Promise.resolve(preview.dir).then((dir) =>
    express.static(dir, { index: 'index.html', fallthrough: true }),
  );
  files.catch(() => undefined); // a failed build is reported by whoever started it; pages then answer 500
  router.get(/^\/(?!api\/|preview\/|healthz$|readyz$|metrics$)/, (req, res, next) => {
    res.locals.route = 'preview page';
    if (!preview.access.hasSession(req)) {
      res
        .status(401)
        .type('html')
        .send(
          page(
            'Auto Backup preview',
            '<p>Open the login link <code>npm start</code> printed as its first line to see the dashboard here.</p>',
          ),
        );
      return;
    }
    files.then((serve) => serve(req, res, next), next);
  });
  return router;
}
