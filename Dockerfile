# One image per service, from one multi-stage file: docker build --build-arg SERVICE=intake .
FROM node:26-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY shared/package.json shared/
COPY services/intake/package.json services/intake/
COPY services/dispatch/package.json services/dispatch/
COPY services/tracker/package.json services/tracker/
COPY services/board/package.json services/board/
COPY services/notifier/package.json services/notifier/
COPY patches patches
# the project's own patches (patches/, see package.json) apply even though dependency scripts are off
RUN npm ci --ignore-scripts && npx patch-package --error-on-fail
COPY shared shared
COPY services services
RUN npm run build && npm prune --omit=dev

FROM node:26-bookworm-slim
ARG SERVICE
# a larger young generation: a request's garbage dies young, and fewer scavenges cut tail latency
# (npm run bench:intake: p99 at 2,000 reports/s fell from ~69 to ~21 ms)
ENV NODE_ENV=production SERVICE=${SERVICE} HOST=0.0.0.0 NODE_OPTIONS=--max-semi-space-size=32
WORKDIR /app
COPY --from=build --chown=node:node /app ./
# intake's attachment folder: a named volume mounted here starts owned by the service's user
RUN mkdir -p /var/lib/ucsc/attachments && chown node:node /var/lib/ucsc/attachments
USER node
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["sh", "-c", "exec node services/${SERVICE}/dist/server.js"]
