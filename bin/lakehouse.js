#!/usr/bin/env node
// Entry point of `npx lakehouse`: loads the TypeScript CLI through tsx (no build step).
import { register } from "tsx/esm/api";

// The AWS SDK warns at every client start that Node 20 support ends; the project pins Node >= 20 on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
register();
const { main } = await import("../scripts/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
