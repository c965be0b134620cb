#!/usr/bin/env node
// `npx cdk synth|deploy --all` (from infra/): builds the deftunes-lakehouse stacks (see infra/README.md).
import { buildApp } from "../lib/app.ts";

buildApp();
