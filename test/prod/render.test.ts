import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { loadEnvironment, type Environment } from "../../scripts/core/config.ts";
import { fromRoot } from "../../scripts/core/paths.ts";
import { LINKED_ENTRIES, prodCredentials, renderProd } from "../../scripts/prod/render.ts";

/** Rendering `.build/prod` (into a temporary folder here); Secrets Manager mocked at the SDK client level. */

const CANARY = "canary-pw-7f3a9c0e-DO-NOT-LEAK";
let env: Environment;
let dir: string;
let saved: string | undefined;
let secrets: SecretsManagerClient;
let mock: ReturnType<typeof mockClient>;

beforeEach(() => {
  env = loadEnvironment("prod");
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-prod-"));
  saved = process.env.REDSHIFT_PASSWORD;
  delete process.env.REDSHIFT_PASSWORD;
  secrets = new SecretsManagerClient({ region: "eu-west-1" });
  mock = mockClient(secrets);
});

afterEach(() => {
  mock.restore();
  if (saved === undefined) delete process.env.REDSHIFT_PASSWORD;
  else process.env.REDSHIFT_PASSWORD = saved;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("render prod (Secrets Manager mocked at SDK client level)", () => {
  test("compiling renders symlinks and a redshift dataform.json with prod vars, reads no secret and writes no credentials", async () => {
    process.env.REDSHIFT_PASSWORD = CANARY;
    await renderProd(env, { dir, secrets });
    for (const entry of LINKED_ENTRIES) {
      if (!fs.existsSync(fromRoot(entry))) continue;
      expect(fs.lstatSync(path.join(dir, entry)).isSymbolicLink(), entry).toBe(true);
      expect(fs.realpathSync(path.join(dir, entry))).toBe(fs.realpathSync(fromRoot(entry)));
    }
    const config = JSON.parse(fs.readFileSync(path.join(dir, "dataform.json"), "utf8"));
    const root = JSON.parse(fs.readFileSync(fromRoot("dataform.json"), "utf8"));
    expect(config).toEqual({
      ...root,
      warehouse: "redshift",
      vars: { ...root.vars, silver_schema: "silver", glue_database: "deftunes_silver", iam_role: "arn:aws:iam::123456789012:role/deftunes-spectrum" },
    });
    expect(fs.existsSync(path.join(dir, ".df-credentials.json"))).toBe(false);
    expect(mock.calls()).toHaveLength(0);
    // Nothing rendered holds the password.
    for (const file of fs.readdirSync(dir)) {
      const full = path.join(dir, file);
      if (fs.lstatSync(full).isFile()) expect(fs.readFileSync(full, "utf8")).not.toContain(CANARY);
    }
  });

  test("running: credentials from REDSHIFT_PASSWORD, file mode 0600, no Secrets Manager call; a later compile removes them", async () => {
    process.env.REDSHIFT_PASSWORD = CANARY;
    await renderProd(env, { dir, secrets, credentials: true });
    const file = path.join(dir, ".df-credentials.json");
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual({ host: env.warehouse.host, port: 5439, username: "dataform", password: CANARY, databaseName: "deftunes" });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(mock.calls()).toHaveLength(0);
    // The rendered dataform.json never gets it.
    expect(fs.readFileSync(path.join(dir, "dataform.json"), "utf8")).not.toContain(CANARY);
    await renderProd(env, { dir, secrets });
    expect(fs.existsSync(file)).toBe(false);
  });

  test("running without the variable: the password (and user) come from the Secrets Manager secret named in prod.yaml", async () => {
    mock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: "dataform_rw", password: CANARY, engine: "redshift" }) });
    await renderProd(env, { dir, secrets, credentials: true });
    expect(mock.calls().map((c) => [(c.args[0] as object).constructor.name, (c.args[0] as { input: unknown }).input])).toEqual([
      ["GetSecretValueCommand", { SecretId: "deftunes/redshift/dataform" }],
    ]);
    expect(JSON.parse(fs.readFileSync(path.join(dir, ".df-credentials.json"), "utf8"))).toMatchObject({ username: "dataform_rw", password: CANARY });
  });

  test("a plain-string secret is the password; a missing secret is a clear error that names it and not its value", async () => {
    mock.on(GetSecretValueCommand).resolvesOnce({ SecretString: CANARY });
    expect((await prodCredentials(env, { secrets })).password).toBe(CANARY);

    mock.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }));
    await expect(prodCredentials(env, { secrets })).rejects.toThrow(
      "cannot read the Redshift secret deftunes/redshift/dataform from Secrets Manager: ResourceNotFoundException: Secrets Manager can't find the specified secret.",
    );
  });

  test("a JSON secret that does not parse is reported without quoting it", async () => {
    mock.on(GetSecretValueCommand).resolves({ SecretString: `{"password": "${CANARY}"` });
    const error = (await prodCredentials(env, { secrets }).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/looks like JSON but does not parse/);
    expect(error.message).not.toContain(CANARY);
  });

  test("no variable and no secret name: an error with the hint to export the variable", async () => {
    const noSecret = { ...env, warehouse: { ...env.warehouse, secret_name: undefined } };
    await expect(prodCredentials(noSecret, { secrets })).rejects.toMatchObject({ hint: expect.stringContaining("export REDSHIFT_PASSWORD=") });
  });

  test("the prod variant needs a redshift warehouse, the Glue database and the IAM role", async () => {
    await expect(renderProd({ ...env, warehouse: { ...env.warehouse, iam_role: undefined } }, { dir })).rejects.toThrow(/warehouse.iam_role must be set/);
    await expect(renderProd({ ...env, warehouse: { ...env.warehouse, type: "postgres" } }, { dir })).rejects.toThrow(/needs "redshift"/);
  });
});
