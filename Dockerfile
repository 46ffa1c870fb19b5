# Consulta server image. Built by docker-compose.yml (service "server"; also used once as "coturn-config").
FROM node:20-bookworm-slim

ENV CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1 PNPM_HOME=/usr/local/share/pnpm
RUN npm i -g pnpm@10 && npm cache clean --force
# ffmpeg writes recordings; python3, make and g++ let mediasoup build its worker if no prebuilt one fits.
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg python3 python3-pip make g++ \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Dependencies first so source edits do not refetch packages: `pnpm fetch` needs only the lockfile.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch
COPY . .
# Dev dependencies stay: the server runs TypeScript through tsx and the Prisma client is generated here.
RUN pnpm install --offline --frozen-lockfile
# mediasoup's normal install (pnpm-workspace.yaml skips it for offline machines, which use
# scripts/mediasoup-worker): downloads the prebuilt worker for this platform, or builds it.
RUN cd apps/server/node_modules/mediasoup && node npm-scripts.mjs postinstall
# Prisma 7's generate checks that a schema engine exists but never runs it (docs/operations.md).
RUN cd apps/server && PRISMA_SCHEMA_ENGINE_BINARY="$(which true)" \
    pnpm exec prisma generate --schema ../../prisma/schema.prisma

# Named volumes copy ownership from these directories when first created, so the unprivileged user can write.
RUN mkdir -p /app/var /app/recordings /coturn-config && chown node:node /app/var /app/recordings /coturn-config
USER node
ENV NODE_ENV=production
EXPOSE 8080
# node directly (not through pnpm) so SIGTERM reaches the server and it shuts down cleanly.
WORKDIR /app/apps/server
CMD ["node", "--import", "tsx", "src/server.ts"]
