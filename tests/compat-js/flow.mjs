// One scenario of graph_client.test.mjs, run in a Node that trusts Platen's CA (NODE_EXTRA_CA_CERTS). Every call
// goes through Microsoft's JavaScript Graph client, except the upload PUT, which is a plain fetch to the upload
// URL (it carries its own credential, as on Graph).

import assert from "node:assert/strict";
import { Client, ResponseType } from "@microsoft/microsoft-graph-client";

const base = process.env.PLATEN_BASE;
const client = (token) =>
  Client.init({
    authProvider: (done) => done(null, token),
    baseUrl: base,
    defaultVersion: "v1.0",
    customHosts: new Set([new URL(base).hostname]),
  });
const admin = client(process.env.ADMIN);
const alice = client(process.env.ALICE);
const reader = client(process.env.READER);

/// The path after the version of an absolute Graph URL (client.api takes paths; graph-clients.md pitfall 7).
const pathOf = (url) => new URL(url).pathname.replace(/^\/(v1\.0|beta)/, "");

async function userFlow() {
  // An administrator registers a printer (202 + Operation-Location) and shares it with everyone.
  const created = await admin
    .api("/print/printers/create")
    .responseType(ResponseType.RAW)
    .post({
      displayName: "Compat JS printer", manufacturer: "Contoso", model: "JS-1",
      physicalDeviceId: crypto.randomUUID(), hasPhysicalDevice: true,
      certificateSigningRequest: { content: process.env.CSR, transportKey: "dW51c2Vk" },
    });
  assert.equal(created.status, 202);
  const operation = await admin.api(pathOf(created.headers.get("operation-location"))).get();
  assert.equal(operation.status.state, "succeeded", JSON.stringify(operation));
  const printerId = operation.printer.id;
  const share = await admin.api("/print/shares").post({
    displayName: "Compat JS share", allowAllUsers: true,
    "printer@odata.bind": `${base}/v1.0/print/printers/${printerId}`,
  });

  // The user finds the share, creates a job, uploads its document and starts it.
  const shares = await alice.api("/print/shares").select("id,displayName").get();
  assert.ok(shares.value.some((s) => s.id === share.id), JSON.stringify(shares));
  const jobs = `/print/shares/${share.id}/jobs`;
  const job = await alice.api(jobs).post({ configuration: { copies: 2, colorMode: "color" } });
  assert.equal(job.status.state, "paused");
  assert.deepEqual(job.status.details, ["uploadPending"]);
  const doc = job.documents[0];
  const data = Buffer.from("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");
  const session = await alice
    .api(`${jobs}/${job.id}/documents/${doc.id}/createUploadSession`)
    .post({ properties: { documentName: "js.pdf", contentType: "application/pdf", size: data.length } });
  const put = await fetch(session.uploadUrl, {
    method: "PUT", body: data, headers: { "Content-Range": `bytes 0-${data.length - 1}/${data.length}` },
  });
  assert.equal(put.status, 201, await put.text());
  const started = await alice.api(`${jobs}/${job.id}/start`).post();
  assert.ok(["pending", "processing"].includes(started.state), JSON.stringify(started));

  const mine = await alice
    .api(jobs)
    .filter("createdBy/userPrincipalName eq 'alice@contoso.test'")
    .expand("documents")
    .get();
  assert.deepEqual(mine.value.map((j) => j.id), [job.id]);
  assert.equal(mine.value[0].documents[0].size, data.length);

  // $value: Graph answers 302 to a pre-authenticated URL; the client's RedirectHandler follows it to the bytes.
  const valuePath = `${jobs}/${job.id}/documents/${doc.id}/$value`;
  const raw = await fetch(`${base}/v1.0${valuePath}`, {
    redirect: "manual", headers: { Authorization: `Bearer ${process.env.ALICE}` },
  });
  assert.equal(raw.status, 302);
  assert.match(raw.headers.get("location"), /\/downloads\/[^?]+\?tempauthtoken=/);
  const downloaded = await alice.api(valuePath).responseType(ResponseType.ARRAYBUFFER).get();
  assert.deepEqual(Buffer.from(downloaded), data);

  // Cancel answers 204 (undefined); a repeat is idempotent; the job ends canceled.
  assert.equal(await alice.api(`${jobs}/${job.id}/cancel`).post(), undefined);
  assert.equal(await alice.api(`${jobs}/${job.id}/cancel`).post(), undefined);
  const canceled = await alice.api(`${jobs}/${job.id}`).get();
  assert.equal(canceled.status.state, "canceled");

  // Errors arrive as GraphError with Graph's status and code.
  await assert.rejects(alice.api(`${jobs}/999999`).get(), (e) => e.statusCode === 404 && e.code === "itemNotFound");

  // Reports: the canceled job is an incomplete job of alice today, and an archived job of the printer.
  const usage = await reader
    .api("/reports/dailyPrintUsageByUser")
    .filter("userPrincipalName eq 'alice@contoso.test'")
    .get();
  assert.equal(usage.value.length, 1, JSON.stringify(usage));
  assert.equal(usage.value[0].usageDate, new Date().toISOString().slice(0, 10));
  assert.equal(usage.value[0].incompleteJobCount, 1);
  assert.equal(usage.value[0].completedJobCount, 0);
  const archived = await reader
    .api(`/reports/getPrinterArchivedPrintJobs(printerId='${printerId}',startDateTime=null,endDateTime=null)`)
    .get();
  assert.deepEqual(archived.value.map((a) => [a.id, a.processingState]), [[job.id, "canceled"]]);
  const mineArchived = await reader
    .api(`/print/reports/getUserArchivedPrintJobs(userId='${process.env.ALICE_ID}',startDateTime=null,endDateTime=null)`)
    .version("beta")
    .get();
  assert.equal(mineArchived.value[0].pageCount, 0, JSON.stringify(mineArchived));
  await assert.rejects(admin.api("/reports/dailyPrintUsageByUser").get(), (e) => e.statusCode === 403);
}

const scenarios = { "user-flow": userFlow };
await scenarios[process.argv[2]]();
console.log(`${process.argv[2]}: ok`);
