#!/usr/bin/env -S npx tsx
/**
 * `cdk deploy --all --outputs-file cdk-outputs.json` → environments/prod.yaml, so that no value is copied by
 * hand: the workgroup's endpoint, the Spectrum role's and the secret's ARNs, the bucket, the Glue database.
 * Comments and every other key of prod.yaml are kept; the result is validated before it is written.
 *
 *   cd infra && npx cdk deploy --all --outputs-file cdk-outputs.json && npx tsx scripts/prod-env.ts
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";
import { loadEnvironment, parseEnvironmentFile } from "../../scripts/core/config.ts";
import { PROJECT_ROOT } from "../../scripts/core/paths.ts";
import { deployedEnvironment, type DeployedValues } from "../lib/deployed-environment.ts";

/** `cdk deploy --outputs-file`: { <stack name>: { <output id>: value } }. */
export type CdkOutputs = Record<string, Record<string, string>>;

/** The output ids the stacks declare (lib/outputs.ts), found in whichever stack holds them. */
export function deployedValues(outputs: CdkOutputs, file = "cdk-outputs.json"): DeployedValues {
  const merged: Record<string, string> = Object.assign({}, ...Object.values(outputs));
  const get = (id: string) => {
    const value = merged[id];
    if (value === undefined) throw new Error(`${file}: output ${id} is missing (hint: deploy every stack: npx cdk deploy --all --outputs-file ${path.basename(file)})`);
    return value;
  };
  return {
    bucket: get("BucketName"),
    region: get("Region"),
    glueDatabase: get("GlueDatabase"),
    workgroup: get("WorkgroupName"),
    host: get("WarehouseHost"),
    port: Number(get("WarehousePort")),
    database: get("WarehouseDatabase"),
    user: get("WarehouseUser"),
    spectrumRoleArn: get("SpectrumRoleArn"),
    secretArn: get("SecretArn"),
  };
}

/** The prod.yaml keys a deployment fills. */
const DEPLOYED_KEYS = [
  ["warehouse", "host"],
  ["warehouse", "port"],
  ["warehouse", "database"],
  ["warehouse", "user"],
  ["warehouse", "workgroup"],
  ["warehouse", "secret_name"],
  ["warehouse", "iam_role"],
  ["warehouse", "region"],
  ["storage", "bucket"],
  ["storage", "region"],
  ["silver", "glue_database"],
] as const;

/** Writes the deployed values into `<root>/environments/prod.yaml`; returns the keys that changed. */
export function applyOutputs(outputs: CdkOutputs, root: string = process.env.LAKEHOUSE_CONFIG_ROOT ?? PROJECT_ROOT, file = "cdk-outputs.json"): string[] {
  const env = loadEnvironment("prod", root);
  const rendered = deployedEnvironment(env, deployedValues(outputs, file)) as unknown as Record<string, Record<string, unknown>>;
  const text = fs.readFileSync(env.file, "utf8");
  const doc = parseDocument(text);
  const changed: string[] = [];
  for (const [section, key] of DEPLOYED_KEYS) {
    const value = rendered[section][key];
    if (doc.getIn([section, key]) !== value) {
      doc.setIn([section, key], value);
      changed.push(`${section}.${key}`);
    }
  }
  if (doc.hasIn(["warehouse", "cluster_identifier"])) {
    doc.deleteIn(["warehouse", "cluster_identifier"]);
    changed.push("warehouse.cluster_identifier (removed: the Data API targets the workgroup)");
  }
  const next = doc.toString();
  parseEnvironmentFile(env.file, next); // throws naming the key if the result is not a valid environment
  if (changed.length > 0) fs.writeFileSync(env.file, next);
  return changed;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "cdk-outputs.json"));
  if (!fs.existsSync(file)) {
    console.error(`${file}: not found (hint: cd infra && npx cdk deploy --all --outputs-file cdk-outputs.json)`);
    process.exitCode = 1;
  } else {
    try {
      const changed = applyOutputs(JSON.parse(fs.readFileSync(file, "utf8")) as CdkOutputs, undefined, file);
      console.log(changed.length ? `environments/prod.yaml: set ${changed.join(", ")}` : "environments/prod.yaml: already up to date");
    } catch (error) {
      console.error((error as Error).message);
      process.exitCode = 1;
    }
  }
}
