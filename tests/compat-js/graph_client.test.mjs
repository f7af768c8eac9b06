// Platen driven by Microsoft's JavaScript Graph client (@microsoft/microsoft-graph-client 3.0.7) on Node, used as
// an app vendor would: Client.init with an authProvider over https, Platen's host in `customHosts` and Platen's CA
// trusted through NODE_EXTRA_CA_CERTS (the client's built-in auth handler only sends the token to https hosts it
// knows; graph-clients.md §2.2). NODE_EXTRA_CA_CERTS is read when Node starts, so this file starts `platen serve`
// with a TLS listener, fetches its CA, and runs each scenario (flow.mjs) in a child Node with the CA trusted.
// The binary: $PLATEN_BIN, else target/debug/platen from the repository root.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { randomUUID } from "node:crypto";

const here = dirname(fileURLToPath(import.meta.url));
const BIN = process.env.PLATEN_BIN ?? join(here, "..", "..", "target", "debug", "platen");
let work, server, env;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function platen(...args) {
  return execFileSync(BIN, args, { encoding: "utf8" }).trim();
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), "platen-compat-js-"));
  const [port, tlsPort] = [await freePort(), await freePort()];
  const data = join(work, "data");
  writeFileSync(
    join(work, "platen.toml"),
    `[tls]\nlisten = "127.0.0.1:${tlsPort}"\npublic_url = "https://localhost:${tlsPort}"\n`,
  );
  server = spawn(
    BIN,
    ["serve", "--listen", `127.0.0.1:${port}`, "--public-url", `http://127.0.0.1:${port}`, "--data-dir", data,
      "--config", join(work, "platen.toml")],
    { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, PLATEN_DNSSD: "false" } },
  );
  let log = "";
  server.stderr.on("data", (d) => (log += d));
  const plain = `http://127.0.0.1:${port}`;
  let ca;
  for (let i = 0; i < 200 && ca === undefined; i++) {
    try {
      const r = await fetch(`${plain}/platen/ca.pem`);
      if (r.ok) ca = await r.text();
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  assert.ok(ca, `platen serve did not start:\n${log}`);
  writeFileSync(join(work, "ca.pem"), ca);
  const tenant = randomUUID();
  const token = (user, upn, scopes, admin = false) =>
    platen("token", "user", "--data-dir", data, "--tenant", tenant, "--user", user, "--upn", upn, "--name", upn,
      "--scopes", scopes, ...(admin ? ["--admin"] : []));
  const alice = randomUUID();
  env = {
    ...process.env,
    NODE_EXTRA_CA_CERTS: join(work, "ca.pem"),
    PLATEN_BASE: `https://localhost:${tlsPort}`,
    ADMIN: token(randomUUID(), "admin@contoso.test",
      "Printer.Create Printer.FullControl.All PrinterShare.ReadWrite.All PrintJob.ReadWrite.All", true),
    ALICE: token(alice, "alice@contoso.test", "PrintJob.ReadWrite PrinterShare.ReadBasic.All"),
    ALICE_ID: alice,
    READER: token(randomUUID(), "auditor@contoso.test", "Reports.Read.All"),
    CSR: execFileSync("sh", ["-c",
      "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=compat-js " +
      "-keyout /dev/null 2>/dev/null | grep -v -- -----"], { encoding: "utf8" }).replace(/\n/g, ""),
  };
});

after(() => {
  server?.kill();
  if (work) rmSync(work, { recursive: true, force: true });
});

function scenario(name) {
  const r = spawnSync(process.execPath, [join(here, "flow.mjs"), name], { env, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `${name} failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, new RegExp(`^${name}: ok`, "m"));
}

test("a user's job from creation to cancel, and the reports that count it", () => scenario("user-flow"));
