# The pipeline's container: this project as the tests run it (node + tsx, no build step), entry point `lakehouse`.
# Built by the CDK app (infra/, the pipeline stack's image asset) at `cdk deploy`; needs Docker, which CI does not have.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true \
    LAKEHOUSE_ENV=prod
WORKDIR /app

# Dependencies first (cached while only the sources change); the snowflake-sdk override points at stubs/.
COPY --chown=node:node package.json package-lock.json ./
COPY --chown=node:node stubs ./stubs
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY --chown=node:node . .
RUN chown node:node /app && chmod 0755 infra/container/entrypoint.sh
USER node

# The entry point writes the deployed environment (LAKEHOUSE_PROD_ENVIRONMENT, rendered by the pipeline stack)
# into environments/prod.yaml, then runs `lakehouse "$@"` (bin/lakehouse.js, the package's bin).
ENTRYPOINT ["/app/infra/container/entrypoint.sh"]
CMD ["--help"]
