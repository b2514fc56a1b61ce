# guildhall server image: Node 24 on Debian slim, production dependencies only.
# Build: docker build -t guildhall .   Run: docker run -p 8787:8787 -e JWT_SECRET=... guildhall
# The push worker is the same image with another command (docs/events.md "Push worker"):
#   docker run -e EVENTS_QUEUE_URL=... -e STORE=dynamodb ... guildhall node src/notifier/main.ts
# It serves GET /health on PORT (set below), so the HEALTHCHECK fits it too.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Exactly the lockfile's versions (npm ci fails if package.json and the lock disagree); dev
# dependencies (tap, deno, bench peers, DynamoDB Local) are not needed to serve.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    PORT=8787 \
    HOST=0.0.0.0 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY actors ./actors
COPY src ./src
COPY otel ./otel
# guildhall/client built for browsers (committed; test/client/build.test.ts keeps it current).
COPY dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8787
# ECS stops a task with SIGTERM (then SIGKILL after the task definition's stopTimeout).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Run node directly (not npm) so SIGTERM reaches the server and it drains (docs/operations.md);
# Node 24 strips the TypeScript types itself, so there is no build and no loader. The V8 flag
# is the same as `npm start`'s (docs/operations.md "Memory"): young generation capped at 16 MB
# semi-spaces.
CMD ["node", "--max-semi-space-size=16", "src/main.ts"]
