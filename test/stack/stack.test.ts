import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { fromRoot } from "../../scripts/core/paths.ts";
import { postgresStatus, startPostgres, stopPostgres } from "../../scripts/stack/postgres.ts";
import { withClient } from "../../scripts/stack/db.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";

const BIN = fromRoot("bin", "lakehouse.js");
let stack: TestStack;

function cli(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args, "--env", "ci"], { encoding: "utf8", env: stack.cliEnv });
}

beforeAll(async () => {
  stack = await testEnvironment();
});
afterAll(async () => {
  await stack.stop();
});

describe("local stack (real embedded PostgreSQL)", () => {
  it("starts with SSL on, loopback only, both databases, and is idempotent", async () => {
    expect(await startPostgres(stack.env)).toBe("started");
    expect(await startPostgres(stack.env)).toBe("already running");
    const row = await withClient(stack.env, "warehouse", async (c) => {
      const r = await c.query("select current_setting('ssl') as ssl, current_setting('listen_addresses') as listen, (select ssl from pg_stat_ssl where pid = pg_backend_pid()) as conn_ssl");
      const dbs = await c.query("select datname from pg_database order by 1");
      return { ...r.rows[0], dbs: dbs.rows.map((d) => d.datname) };
    });
    expect(row).toMatchObject({ ssl: "on", listen: "127.0.0.1", conn_ssl: true });
    expect(row.dbs).toEqual(expect.arrayContaining([stack.env.warehouse.database, stack.env.catalog_db.database]));
    // The data directory and the generated password stay in the git-ignored stack folder.
    expect(fs.statSync(path.join(stack.env.stackDir, "secrets", "pg-password")).mode & 0o077).toBe(0);
  });

  it("`lakehouse sql --json` prints only a JSON array of row objects", () => {
    const result = cli(["sql", "--json", "select 1 as n, 'O''Brien' as name, null as nothing union all select 2, 'x', null order by 1"]);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      { n: 1, name: "O'Brien", nothing: null },
      { n: 2, name: "x", nothing: null },
    ]);
  });

  it("`lakehouse sql` prints the database message and exits 1 on a query error", () => {
    const result = cli(["sql", "select no_such_column from pg_class"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('column "no_such_column" does not exist');
    expect(result.stdout).toBe("");
  });

  it("`lakehouse status --json` has the stack, landing, silver and gold keys", () => {
    const result = cli(["status", "--json"]);
    const status = JSON.parse(result.stdout);
    expect(Object.keys(status)).toEqual(["stack", "landing", "silver", "gold"]);
    expect(status.stack.postgres.running).toBe(true);
  });

  it("detects a killed server, recovers from its stale pid file, and restarts it", async () => {
    const { pid, dataDir } = postgresStatus(stack.env);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, "SIGKILL");
    await new Promise((r) => setTimeout(r, 300));
    const afterKill = postgresStatus(stack.env);
    expect(afterKill.running).toBe(false);
    expect(fs.existsSync(path.join(dataDir, "postmaster.pid"))).toBe(true);
    const status = cli(["status", "--json"]);
    expect(status.status).toBe(3);
    expect(JSON.parse(status.stdout).stack.postgres.running).toBe(false);
    // Children of the killed postmaster may hold the port for a moment.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await startPostgres(stack.env)).toBe("started");
    expect(await withClient(stack.env, "warehouse", async (c) => (await c.query("select 42 as x")).rows[0].x)).toBe(42);
  });

  it("says clearly when the port is taken by another program", async () => {
    stopPostgres(stack.env);
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(stack.env.warehouse.port, "127.0.0.1", resolve));
    try {
      await expect(startPostgres(stack.env)).rejects.toThrow(new RegExp(`port ${stack.env.warehouse.port} on 127.0.0.1 is taken by another program`));
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it("`lakehouse down` stops it cleanly and `up` brings it back", () => {
    const up = cli(["up"]);
    expect(up.status, up.stderr).toBe(0);
    const down = cli(["down"]);
    expect(down.status, down.stderr).toBe(0);
    expect(postgresStatus(stack.env).running).toBe(false);
    expect(fs.existsSync(path.join(postgresStatus(stack.env).dataDir, "postmaster.pid"))).toBe(false);
  });
});
