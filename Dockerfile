# Consulta server image, built by docker-compose.yml (service "server"; also used once as "coturn-config").
# Two stages: `build` installs everything, builds the web apps and bundles the server into JavaScript; the final
# stage holds only the production dependencies and the built files, and runs `node` on them (no TypeScript at run
# time). Machine-specific inputs (extra CA certificates, an offline-built mediasoup worker) come from
# infra/docker/local/ (see its README.md). Proxies: set them in ~/.docker/config.json ("proxies"); docker passes
# them to the build as the predefined HTTP_PROXY/HTTPS_PROXY/NO_PROXY arguments.

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
COPY . .
RUN pnpm install --offline --frozen-lockfile
# Prisma 7's generate checks that a schema engine exists but never runs it (docs/operations.md).
RUN cd apps/server && PRISMA_SCHEMA_ENGINE_BINARY="$(which true)" \
    pnpm exec prisma generate --schema ../../prisma/schema.prisma
RUN pnpm --filter @consulta/web build && pnpm --filter @consulta/server build

# The runtime tree under /out mirrors the repository layout the server resolves its files against (infra/config,
# infra/coturn, prisma/migrations, apps/web/dist next to apps/server), with production dependencies only.
RUN mkdir -p /out && cp package.json pnpm-lock.yaml pnpm-workspace.yaml /out/ \
    && for p in apps/* packages/* tests bench; do install -D -m 644 "$p/package.json" "/out/$p/package.json"; done \
    && cd /out && pnpm install --prod --frozen-lockfile --offline --filter @consulta/server \
    && cd /src && cp -r apps/server/dist /out/apps/server/dist \
    && cp -r apps/web/dist /out/apps/web/dist \
    && mkdir -p /out/infra && cp -r infra/config infra/coturn /out/infra/ \
    && mkdir -p /out/prisma && cp -r prisma/migrations /out/prisma/migrations
# The SFU's worker: the offline-built one when given, else mediasoup's normal postinstall (pnpm-workspace.yaml
# skips it for offline machines), which downloads the prebuilt worker for this platform.
RUN cd /out/apps/server/node_modules/mediasoup \
    && if [ -f /tmp/local/mediasoup-worker ]; then \
         install -D -m 755 /tmp/local/mediasoup-worker worker/out/Release/mediasoup-worker; \
       else node npm-scripts.mjs postinstall; fi \
    && test -x worker/out/Release/mediasoup-worker

FROM node:20-bookworm-slim
# ffmpeg writes recordings; libsrtp2-1 is the one shared library the offline-built worker links against.
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg libsrtp2-1 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out /app
# Named volumes copy ownership from these directories when first created, so the unprivileged user can write.
RUN mkdir -p /app/var /app/recordings /coturn-config && chown node:node /app/var /app/recordings /coturn-config
USER node
ENV NODE_ENV=production
EXPOSE 8080
WORKDIR /app/apps/server
# node directly (not through npm or pnpm) so SIGTERM reaches the server and it shuts down cleanly.
CMD ["node", "--enable-source-maps", "dist/server.js"]
