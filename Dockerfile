# The master image (`base serve`): the BASE control plane's HTTP surface, run by the reconciler as the
# `base-master` Swarm service.
#
# node_modules is NOT installed inside the image: it is copied from the build context, so the image builds on
# a base without npm (the test bed's base image has only node and busybox) and without network access.
#
#   Production:  npm ci --omit=dev   (on a build host with the same Node major and libc as BASE_IMAGE:
#                                     better-sqlite3 is a native addon), then
#                docker build -t ghcr.io/base-subnet/master:<version> .
#   Test bed:    npm ci && DOCKER_BUILDKIT=0 docker build --build-arg BASE_IMAGE=<test bed base image> -t ... .
#                (.dockerignore leaves out the large development-only packages and all tests)
ARG BASE_IMAGE=node:20-bookworm-slim
FROM ${BASE_IMAGE}

WORKDIR /app
COPY package.json package-lock.json tsconfig.json /app/
COPY node_modules /app/node_modules
COPY bin /app/bin
COPY schemas /app/schemas
COPY reconciler /app/reconciler
COPY submitter /app/submitter
# The desired state the master serves when no other file is mounted (BASE_DESIRED_STATE_FILE overrides it).
COPY desired-state /app/desired-state

# A non-root user (uid 1000, as the reconciler's secret mounts expect); base images without one get it here.
RUN if ! grep -q '^node:' /etc/passwd; then \
      echo 'node:x:1000:1000:node:/home/node:/sbin/nologin' >> /etc/passwd && echo 'node:x:1000:' >> /etc/group; \
    fi && mkdir -p /home/node /var/lib/base && chown 1000:1000 /home/node /var/lib/base

ENV NODE_ENV=production \
    BASE_MASTER_PORT=18080 \
    BASE_STATE_DIR=/var/lib/base
USER node
EXPOSE 18080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/bin/node", "-e", "require('node:http').get({host:'127.0.0.1',port:Number(process.env.BASE_MASTER_PORT||18080),path:'/health',timeout:2500},(r)=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))"]
CMD ["/usr/bin/node", "bin/base.mjs", "serve"]
