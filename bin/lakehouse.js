#!/usr/bin/env node
// Entry point of `npx lakehouse`: loads the TypeScript CLI through tsx (no build step).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../scripts/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
