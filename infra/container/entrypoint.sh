#!/bin/sh
# The pipeline container's entry point: `lakehouse "$@"` against the deployed environment.
# LAKEHOUSE_PROD_ENVIRONMENT is environments/prod.yaml as the pipeline stack rendered it from the deployed
# resources (bucket, workgroup endpoint, Spectrum role ARN, secret ARN); it holds names, never a password.
set -eu
if [ -n "${LAKEHOUSE_PROD_ENVIRONMENT:-}" ]; then
  printf '%s\n' "$LAKEHOUSE_PROD_ENVIRONMENT" > /app/environments/prod.yaml
fi
exec node /app/bin/lakehouse.js "$@"
