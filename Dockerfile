# Production image of the backup service: `autobackup serve` (see docs/deployment.md).
#
#   docker build -t autobackup .
#   docker run -p 8080:8080 -e DATABASE_URL=… -e STORAGE_URL=gs://… -e AUTOBACKUP_MASTER_KEY=… \
#     -e PUBLIC_URL=https://… autobackup
#
# The service runs as plain JavaScript compiled in the build stage (`npm run build`, scripts/build.ts): no
# TypeScript is compiled at start and no loader hook runs on each import. Node 22 comes from the official image.
# The `node` npm package the project brings for its own scripts is not installed (its install script, which
# downloads a second Node binary, does not run).
# linux/amd64 only: the service loads the embedded-PostgreSQL package for x64 at start, even though the image
# never runs that server (README: "Requirements: Linux x64").
ARG NODE_IMAGE=node:22.23.3-bookworm-slim

# --- Stage 1: production dependencies, exactly as locked ------------------------------------------------------
FROM --platform=linux/amd64 ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev: no dev dependencies. --ignore-scripts: no install script runs, so nothing is fetched but the locked
# tarballs. Skipped this way: the `node` package's Node download, embedded PostgreSQL's symlink set-up (the image
# never runs it) and esbuild's binary check (tsx finds esbuild's binary through its optional dependency).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- Stage 2: the service compiled to JavaScript (dist/service/src) ---------------------------------------------
# TypeScript and tsx, which run the build, are production dependencies: nothing more is installed for it.
FROM deps AS build
COPY tsconfig.json ./
COPY scripts/build.ts ./scripts/
COPY service/src ./service/src
RUN node --import tsx scripts/build.ts

# --- Stage 3: the runtime ---------------------------------------------------------------------------------------
FROM --platform=linux/amd64 ${NODE_IMAGE}
ENV NODE_ENV=production \
    PORT=8080
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
# The image's own unprivileged user (uid 1000). /app stays owned by root and read-only to it: the service writes
# nothing to disk when DATABASE_URL and AUTOBACKUP_MASTER_KEY are set.
USER node
EXPOSE 8080
# No HEALTHCHECK: Cloud Run and GKE ignore it and probe the service themselves (/healthz, /readyz).
# The entrypoint refuses to start without a real database, a GCS bucket and the master key, so a container can
# never fall back to an embedded PostgreSQL, a bucket or a generated key inside its own short-lived filesystem.
# `exec` leaves node as PID 1, which receives SIGTERM and shuts down cleanly. Other commands of the admin CLI run
# the same way: `docker run … autobackup orgs list`.
ENTRYPOINT ["/bin/sh", "-c", "if [ -z \"$DATABASE_URL\" ] || [ -z \"$AUTOBACKUP_MASTER_KEY\" ] || [ \"${STORAGE_URL#gs://}\" = \"$STORAGE_URL\" ]; then echo 'autobackup image: set DATABASE_URL, STORAGE_URL=gs://bucket/prefix and AUTOBACKUP_MASTER_KEY (docs/deployment.md)' >&2; exit 64; fi; exec node /app/dist/service/src/cli/index.js \"$@\"", "autobackup"]
CMD ["serve"]
