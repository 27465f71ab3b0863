# syntax=docker/dockerfile:1
# Build: compile TypeScript to dist/. Run: production dependencies only, as a non-root user.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
# Role: all (default), api or worker. The node flags are those of `npm run start:prod`
# (package.json; test/unit/runtime/production-flags.test.ts keeps the two the same).
ENTRYPOINT ["node", "--max-semi-space-size=4", "dist/main.js"]
CMD ["all"]
