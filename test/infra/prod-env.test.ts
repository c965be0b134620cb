import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { loadEnvironment } from "../../scripts/core/config.ts";
import { fromRoot } from "../../scripts/core/paths.ts";
import { App } from "aws-cdk-lib";
import { applyOutputs, type CdkOutputs } from "../../infra/scripts/prod-env.ts";
import { loadSettings } from "../../infra/lib/settings.ts";

/** `cdk deploy --outputs-file` → environments/prod.yaml (a copy in a temporary config root), read back by the CLI's loader. */

const OUTPUTS: CdkOutputs = {
  DeftunesStorage: { BucketName: "acme-deftunes-lake", StoragePrefix: "", Region: "eu-central-1" },
  DeftunesCatalog: { GlueDatabase: "deftunes_silver" },
  DeftunesWarehouse: {
    WorkgroupName: "deftunes-wh",
    WarehouseHost: "deftunes-wh.210987654321.eu-central-1.redshift-serverless.amazonaws.com",
    WarehousePort: "5439",
    WarehouseDatabase: "deftunes",
    WarehouseUser: "dataform",
    SpectrumRoleArn: "arn:aws:iam::210987654321:role/deftunes-spectrum",
    SecretArn: "arn:aws:secretsmanager:eu-central-1:210987654321:secret:deftunes/redshift/dataform-Xy12Ab",
    WorkgroupArn: "arn:aws:redshift-serverless:eu-central-1:210987654321:workgroup/0b9c",
  },
  DeftunesPipeline: { StateMachineArn: "arn:aws:states:eu-central-1:210987654321:stateMachine:deftunes-daily" },
};

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "prod-env-"));
  fs.mkdirSync(path.join(root, "environments"));
  fs.copyFileSync(fromRoot("environments", "prod.yaml"), path.join(root, "environments", "prod.yaml"));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe("infra/scripts/prod-env.ts", () => {
  test("fills prod.yaml from the stack outputs; the CLI's loader reads the deployed values back", () => {
    const changed = applyOutputs(OUTPUTS, root);
    expect(changed).toEqual(expect.arrayContaining(["warehouse.host", "warehouse.secret_name", "warehouse.iam_role", "storage.bucket", "storage.region"]));
    const env = loadEnvironment("prod", root);
    expect(env.warehouse).toMatchObject({
      host: OUTPUTS.DeftunesWarehouse.WarehouseHost,
      port: 5439,
      workgroup: "deftunes-wh",
      secret_name: OUTPUTS.DeftunesWarehouse.SecretArn,
      iam_role: OUTPUTS.DeftunesWarehouse.SpectrumRoleArn,
      region: "eu-central-1",
    });
    expect(env.storage).toMatchObject({ type: "s3", bucket: "acme-deftunes-lake", region: "eu-central-1" });
    // Everything else, comments included, is as it was.
    const text = fs.readFileSync(path.join(root, "environments", "prod.yaml"), "utf8");
    expect(text).toContain("# Production on AWS. Credentials never live here");
    expect(env.catalog_db).toEqual(loadEnvironment("prod").catalog_db);
  });

  test("a second run changes nothing (idempotent)", () => {
    applyOutputs(OUTPUTS, root);
    const once = fs.readFileSync(path.join(root, "environments", "prod.yaml"), "utf8");
    expect(applyOutputs(OUTPUTS, root)).toEqual([]);
    expect(fs.readFileSync(path.join(root, "environments", "prod.yaml"), "utf8")).toBe(once);
  });

  test("a missing output names the output and the command, and leaves prod.yaml untouched", () => {
    const before = fs.readFileSync(path.join(root, "environments", "prod.yaml"), "utf8");
    const partial: CdkOutputs = { DeftunesStorage: OUTPUTS.DeftunesStorage, DeftunesCatalog: OUTPUTS.DeftunesCatalog };
    expect(() => applyOutputs(partial, root, "infra/cdk-outputs.json")).toThrow(/^infra\/cdk-outputs\.json: output WorkgroupName is missing \(hint: deploy every stack/);
    expect(fs.readFileSync(path.join(root, "environments", "prod.yaml"), "utf8")).toBe(before);
  });

  test("a value the schema refuses is not written", () => {
    const before = fs.readFileSync(path.join(root, "environments", "prod.yaml"), "utf8");
    const bad = structuredClone(OUTPUTS);
    bad.DeftunesWarehouse.SpectrumRoleArn = "not-an-arn";
    expect(() => applyOutputs(bad, root)).toThrow(/warehouse\.iam_role/);
    expect(fs.readFileSync(path.join(root, "environments", "prod.yaml"), "utf8")).toBe(before);
  });

  test("the app still builds from a filled prod.yaml: the same secret, role and bucket names (no replacement on the next deploy)", () => {
    const before = loadSettings(new App().node, loadEnvironment("prod"));
    applyOutputs({ ...OUTPUTS, DeftunesStorage: { ...OUTPUTS.DeftunesStorage, BucketName: "deftunes-lakehouse" } }, root);
    const after = loadSettings(new App().node, loadEnvironment("prod", root));
    expect(after.warehouse.secretName).toBe("deftunes/redshift/dataform");
    expect(after.warehouse).toEqual({ ...before.warehouse });
    expect(after.storage.bucket).toBe(before.storage.bucket);
    expect(after.glueDatabase).toBe(before.glueDatabase);
  });
});
