/**
 * How a route is declared: its method and path, who may call it, the schemas of its parameters, query and body,
 * what it answers and which errors it can answer with. The express app (app.ts) and the OpenAPI document
 * (openapi.ts) are both built from these declarations, so neither can list a route the other lacks.
 */
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { AppContext } from '../app/app-context.js';
import type { ErrorCode } from '../app/app-error.js';
import type { Metrics } from '../metrics.js';
import type { LinkSigner } from '../secrets/link-signer.js';
import type { ProbeResult } from '../store/health.js';
import type { KeyRateLimiter } from '../store/rate-limits/key-rate-limiter.js';
import type { PreviewServing } from './preview-routes.js';

/** What the HTTP layer needs from the rest of the service. */
export interface HttpDeps {
  app: AppContext;
  signer: LinkSigner;
  limiter: KeyRateLimiter;
  metrics: Metrics;
  /** The org a presented service key belongs to, or null. */
  verifyKey(presented: string): Promise<string | null>;
  probes: { database(): Promise<ProbeResult>; bucket(): Promise<ProbeResult> };
  /** Longest time a request may take before it is answered 503 TIMEOUT. */
  requestTimeoutMs: number;
  /** The dashboard preview of `npm start` (its pages, and its cookie in place of a service key); off when absent. */
  preview?: PreviewServing;
}

/**
 * - `none`: anyone (health, metrics, the API document);
 * - `key`: `Authorization: Bearer <service key>` of the org in the path;
 * - `key-or-link`: the same, or a signed link's `expires` and `signature` (a user's browser has no key).
 */
export type RouteAuth = 'none' | 'key' | 'key-or-link';

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: Request;
  res: Response;
}

/** A JSON answer; `undefined` means the handler wrote the response itself (streams, text). */
export type RouteAnswer = { status?: number; headers?: Record<string, string>; body: unknown } | undefined;

export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: 'get' | 'put' | 'post';
  /** OpenAPI form: `/api/v1/orgs/{orgId}/dashboard`. */
  path: string;
  summary: string;
  auth: RouteAuth;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Headers the route reads, for the document. */
  headers?: Array<{ name: string; description: string; required?: boolean }>;
  /** The 200 answer: a JSON schema, or another media type described in words. */
  answer: z.ZodType | { mediaType: string; description: string };
  /** Answers other than 200 that are not the error shape (e.g. readiness's 503 with its checks). */
  otherAnswers?: Array<{ status: number; description: string; schema: z.ZodType }>;
  errors: ErrorCode[];
  handle(input: RouteInput<P, Q, B>, deps: HttpDeps): Promise<RouteAnswer>;
}

/** Declares a route with its types inferred from its schemas. */
export function route<P, Q, B>(spec: RouteSpec<P, Q, B>): RouteSpec {
  return spec as unknown as RouteSpec;
}
