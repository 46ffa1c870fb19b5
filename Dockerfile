# Consulta server image, built by docker-compose.yml (service "server"; also used once as "coturn-config").
# `build` installs everything, builds the web apps and bundles the server into JavaScript; the final stage holds
# only the production dependencies and the built files, and runs `node` on them (no TypeScript at run time).
# Layers are ordered for the build cache: what depends only on the lockfile and the package manifests (packages,
# production dependencies, the mediasoup worker, Debian's ffmpeg) comes before the sources, so a source edit
# rebuilds only the apps and a small final layer (docs/deployment.md "The image"). Machine-specific inputs (extra CA certificates, an offline-built mediasoup worker) come from
# infra/docker/local/ (see its README.md). Proxies: set them in ~/.docker/config.json ("proxies"); docker passes
# them to the build as the predefined HTTP_PROXY/HTTPS_PROXY/NO_PROXY arguments.

# The workspace's package manifests and lockfile alone (every other file deleted), for the production install below:
# copied from here, it is rebuilt when a manifest changes, not on every source edit.
FROM node:20-bookworm-slim AS manifests
COPY . /src
RUN find /src -type f ! -name package.json ! -name pnpm-lock.yaml ! -name pnpm-workspace.yaml -delete \
    && find /src -type d -empty -delete

FROM node:20-bookworm-slim AS build
ENV CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1 PNPM_HOME=/usr/local/share/pnpm \
    NODE_EXTRA_CA_CERTS=/tmp/extra-ca.pem
ENV PATH=$PNPM_HOME:$PATH
# Extra CAs for TLS-inspecting proxies, trusted by every npm/pnpm/node call in this stage (an empty file is fine).
COPY infra/docker/local/ /tmp/local/
RUN cat /tmp/local/ca/*.crt >/tmp/extra-ca.pem 2>/dev/null || true
RUN npm i -g pnpm@10 && npm cache clean --force

WORKDIR /src
# Dependencies first so source edits do not refetch packages: `pnpm fetch` needs only the lockfile.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch

# The runtime tree under /out mirrors the repository layout the server resolves its files against (infra/config,
# infra/coturn, prisma/migrations, apps/web/dist next to apps/server). First its production dependencies, from the
# manifests only.
COPY --from=manifests /src /out
RUN cd /out && pnpm install --prod --frozen-lockfile --offline --filter @consulta/server
# The SFU's worker: the offline-built one when given, else mediasoup's normal postinstall (pnpm-workspace.yaml
# skips it for offline machines), which downloads the prebuilt worker for this platform.
RUN cd /out/apps/server/node_modules/mediasoup \
    && if [ -f /tmp/local/mediasoup-worker ]; then \
         install -D -m 755 /tmp/local/mediasoup-worker worker/out/Release/mediasoup-worker; \
       else node npm-scripts.mjs postinstall; fi \
    && test -x worker/out/Release/mediasoup-worker

COPY . .
RUN pnpm install --offline --frozen-lockfile
# Prisma 7's generate checks that a schema engine exists but never runs it (docs/operations.md).
RUN cd apps/server && PRISMA_SCHEMA_ENGINE_BINARY="$(which true)" \
    pnpm exec prisma generate --schema ../../prisma/schema.prisma
RUN pnpm --filter @consulta/web build && pnpm --filter @consulta/server build
# The built files and the data files the server reads, in a tree of their own: the final stage copies them as a
# small layer on top of the (cached) dependencies.
RUN mkdir -p /built/apps/server /built/apps/web /built/infra /built/prisma \
    && cp -r apps/server/dist /built/apps/server/dist \
    && cp -r apps/web/dist /built/apps/web/dist \
    && cp -r infra/config infra/coturn /built/infra/ \
    && cp -r prisma/migrations /built/prisma/migrations

FROM node:20-bookworm-slim
# ffmpeg writes recordings; libsrtp2-1 is the one shared library the offline-built worker links against.
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg libsrtp2-1 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out /app
COPY --from=build /built /app
# Named volumes copy ownership from these directories when first created, so the unprivileged user can write.
RUN mkdir -p /app/var /app/recordings /coturn-config && chown node:node /app/var /app/recordings /coturn-config
USER node
ENV NODE_ENV=production
EXPOSE 8080
WORKDIR /app/apps/server
# node directly (not through npm or pnpm) so SIGTERM reaches the server and it shuts down cleanly.
CMD ["node", "--enable-source-maps", "dist/server.js"]
