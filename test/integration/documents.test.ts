import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blobs, documentVersions, projectDocuments } from "../../src/db/schema/index.js";
import {
  apiTokenFor,
  buildTestApp,
  cookiesFrom,
  createUser,
  formToken,
  html,
  signIn,
  type TestApp,
  multipart,
  type MultipartPart,
  createProjectThroughApi,
} from "../helpers.js";

let t: TestApp;
let token: string;
let commissioner: Record<string, string>;
let projectId: string;
let otherProjectId: string;

const auth = (bearer = token) => ({ authorization: `Bearer ${bearer}` });
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** A minimal valid PDF (file-type recognises "%PDF"); the nonce makes each one distinct bytes. */
const pdf = (text = "document") =>
  Buffer.from(
    `%PDF-1.4\n1 0 obj<< /Type /Catalog >>endobj\n% ${text} ${randomBytes(4).toString("hex")}\ntrailer<<>>\n%%EOF\n`,
  );

/** A zip with stored (uncompressed) entries: enough for file-type to recognise DOCX and ODT. */
function zip(entries: [string, string][]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of entries) {
    const n = Buffer.from(name);
    const d = Buffer.from(text);
    const crc = zlib.crc32(d);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(d.length, 18);
    local.writeUInt32LE(d.length, 22);
    local.writeUInt16LE(n.length, 26);
    locals.push(local, n, d);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(d.length, 20);
    central.writeUInt32LE(d.length, 24);
    central.writeUInt16LE(n.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, n);
    offset += 30 + n.length + d.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const docx = () =>
  zip([
    [
      "[Content_Types].xml",
      '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    ],
    ["word/document.xml", `<w:document>${randomBytes(4).toString("hex")}</w:document>`],
  ]);
const odt = () =>
  zip([
    ["mimetype", "application/vnd.oasis.opendocument.text"],
    ["content.xml", `<office:document-content>${randomBytes(4).toString("hex")}</office:document-content>`],
  ]);

async function post(
  id: string,
  fields: { kind?: string; title?: string },
  file?: { data: Buffer; filename: string; contentType: string },
  bearer = token,
) {
  const parts: MultipartPart[] = [];
  if (fields.kind !== undefined) parts.push({ name: "kind", value: fields.kind });
  if (fields.title !== undefined) parts.push({ name: "title", value: fields.title });
  if (file) parts.push({ name: "file", ...file });
  const form = multipart(parts);
  return t.app.inject({
    method: "POST",
    url: `/api/v1/projects/${id}/documents`,
    headers: { ...auth(bearer), ...form.headers },
    payload: form.payload,
  });
}

async function createProject(title: string) {
  const body = { title, programmeCode: "SP", estimatedValuePence: 12_000_000 };
  return (await createProjectThroughApi(t.app, token, body)).id;
}

/** What the store holds: rows, and files in the documents folder (excluding its temporary folder). */
async function storedCounts() {
  const db = t.database.db;
  const [b] = await db.select({ n: count() }).from(blobs);
  const [v] = await db.select({ n: count() }).from(documentVersions);
  const [d] = await db.select({ n: count() }).from(projectDocuments);
  const root = path.join(t.config.dataDir, "documents");
  let files = 0;
  if (fs.existsSync(root)) {
    for (const dir of fs.readdirSync(root)) {
      const full = path.join(root, dir);
      files += fs.readdirSync(full).length;
    }
  }
  return { blobs: b?.n, versions: v?.n, documents: d?.n, files };
}

beforeAll(async () => {
  t = await buildTestApp();
  const user = await createUser(t.services, ["commissioner"]);
  token = await apiTokenFor(t.services, user.id);
  commissioner = await signIn(t.app, user.email);
  projectId = await createProject("Floating support");
  otherProjectId = await createProject("Another project");
});
afterAll(async () => t.close());

describe("document upload API", () => {
  it("stores a PDF with its SHA-256 and size, then a new version for the same kind and title", async () => {
    const first = pdf("v1");
    const response = await post(
      projectId,
      { kind: "business-case", title: "Business case 2025" },
      { data: first, filename: "business case.pdf", contentType: "application/pdf" },
    );
    expect(response.statusCode, response.body).toBe(201);
    const created = response.json<{
      id: string;
      kind: string;
      version: number;
      sha256: string;
      bytes: number;
      mediaType: string;
    }>();
    expect(created).toMatchObject({
      kind: "business-case",
      version: 1,
      sha256: sha256(first),
      bytes: first.length,
      mediaType: "application/pdf",
    });

    const second = pdf("v2");
    const again = await post(
      projectId,
      { kind: "business-case", title: "business case 2025" },
      { data: second, filename: "business case v2.pdf", contentType: "application/pdf" },
    );
    expect(again.statusCode).toBe(201);
    expect(again.json()).toMatchObject({
      id: created.id,
      version: 2,
      sha256: sha256(second),
      title: "Business case 2025",
    });

    // Another title is another document.
    const other = await post(
      projectId,
      { kind: "business-case", title: "Annex" },
      { data: pdf(), filename: "annex.pdf", contentType: "application/pdf" },
    );
    expect(other.json<{ id: string; version: number }>()).toMatchObject({ version: 1 });
    expect(other.json<{ id: string }>().id).not.toBe(created.id);

    // Both versions stay downloadable, each with its own bytes, type and name.
    const v1 = await t.app.inject({
      url: `/api/v1/projects/${projectId}/documents/${created.id}/versions/1`,
      headers: auth(),
    });
    expect(v1.statusCode).toBe(200);
    expect(v1.headers["content-type"]).toBe("application/pdf");
    expect(v1.headers["content-disposition"]).toBe(
      `attachment; filename="business case.pdf"; filename*=UTF-8''business%20case.pdf`,
    );
    expect(v1.rawPayload.equals(first)).toBe(true);
    const v2 = await t.app.inject({
      url: `/api/v1/projects/${projectId}/documents/${created.id}/versions/2`,
      headers: auth(),
    });
    expect(v2.rawPayload.equals(second)).toBe(true);

    const list = await t.app.inject({ url: `/api/v1/projects/${projectId}/documents`, headers: auth() });
    const doc = list
      .json<{ items: { id: string; latestVersion: number; versions: { version: number }[] }[] }>()
      .items.find((d) => d.id === created.id);
    expect(doc?.latestVersion).toBe(2);
    expect(doc?.versions.map((v) => v.version)).toEqual([2, 1]);
  });

  it("refuses a 60 MB file with 413 and stores nothing", async () => {
    const before = await storedCounts();
    const big = Buffer.alloc(60 * 1024 * 1024, 0x20);
    big.write("%PDF-1.4\n", 0);
    const response = await post(
      projectId,
      { kind: "needs-assessment", title: "Huge" },
      { data: big, filename: "huge.pdf", contentType: "application/pdf" },
    );
    expect(response.statusCode).toBe(413);
    expect(response.json<{ detail: string }>().detail).toBe("The file must be 50 MB or smaller");
    expect(await storedCounts()).toEqual(before);
  });

  it("refuses a renamed .exe with 415 and stores nothing", async () => {
    const before = await storedCounts();
    const exe = Buffer.concat([
      Buffer.from("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", "latin1"),
      Buffer.alloc(512),
    ]);
    const response = await post(
      projectId,
      { kind: "needs-assessment", title: "Not really a PDF" },
      { data: exe, filename: "needs-assessment.pdf", contentType: "application/pdf" },
    );
    expect(response.statusCode).toBe(415);
    expect(response.json<{ errors: { path: string; message: string }[] }>().errors[0]).toEqual({
      path: "file",
      message: "The selected file must be a PDF, Word (DOCX), Excel (XLSX), OpenDocument text (ODT) or CSV",
    });
    expect(await storedCounts()).toEqual(before);
  });

  it("refuses an empty file with 400 and stores nothing", async () => {
    const before = await storedCounts();
    const response = await post(
      projectId,
      { kind: "needs-assessment", title: "Empty" },
      { data: Buffer.alloc(0), filename: "empty.pdf", contentType: "application/pdf" },
    );
    expect(response.statusCode).toBe(400);
    expect(response.json<{ errors: { path: string; message: string }[] }>().errors).toEqual([
      { path: "file", message: "The selected file is empty" },
    ]);
    expect(await storedCounts()).toEqual(before);
  });

  it.each([
    ["a missing kind", { title: "No kind" }, "kind"],
    ["an unknown kind", { kind: "shopping-list", title: "x" }, "kind"],
    ["a missing title", { kind: "eqia" }, "title"],
  ])("refuses %s with 400", async (_name, fields, field) => {
    const response = await post(projectId, fields, {
      data: pdf(),
      filename: "a.pdf",
      contentType: "application/pdf",
    });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ errors: { path: string }[] }>().errors.map((e) => e.path)).toContain(field);
  });

  it("refuses a request without a file", async () => {
    const response = await post(projectId, { kind: "eqia", title: "No file" });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ errors: { path: string }[] }>().errors[0]?.path).toBe("file");
  });

  it("accepts a CSV when the name ends .csv and the bytes are UTF-8 text", async () => {
    const csv = Buffer.from("provider,clients,outcome\nP001,12,Maintained independence — £\n");
    const response = await post(
      projectId,
      { kind: "market-capacity-report", title: "Market returns" },
      { data: csv, filename: "market.csv", contentType: "text/csv" },
    );
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ mediaType: "text/csv", bytes: csv.length });
  });

  it.each([
    ["a CSV with a NUL byte", Buffer.from("a,b\n1,\u00002\n"), "data.csv"],
    ["a CSV that is not UTF-8", Buffer.from([0x61, 0x2c, 0xff, 0xfe, 0x0a]), "data.csv"],
    ["text not named .csv", Buffer.from("a,b\n1,2\n"), "data.txt"],
  ])("refuses %s with 415", async (_name, data, filename) => {
    const response = await post(
      projectId,
      { kind: "market-capacity-report", title: "Bad CSV" },
      { data, filename, contentType: "text/csv" },
    );
    expect(response.statusCode).toBe(415);
  });

  it.each([
    ["DOCX", docx, "spec.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
    ["ODT", odt, "spec.odt", "application/vnd.oasis.opendocument.text"],
  ])("accepts %s judged from its bytes", async (_name, make, filename, mediaType) => {
    const response = await post(
      projectId,
      { kind: "service-specification-draft", title: `Draft ${filename}` },
      { data: make(), filename, contentType: "application/octet-stream" },
    );
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ mediaType });
  });

  it("accepts the fields after the file", async () => {
    const form = multipart([
      { name: "file", filename: "late.pdf", contentType: "application/pdf", data: pdf() },
      { name: "kind", value: "eqia" },
      { name: "title", value: "Fields last" },
    ]);
    const response = await t.app.inject({
      method: "POST",
      url: `/api/v1/projects/${projectId}/documents`,
      headers: { ...auth(), ...form.headers },
      payload: form.payload,
    });
    expect(response.statusCode, response.body).toBe(201);
  });

  it("answers 404 for an unknown project, and for a document through another project", async () => {
    const unknown = await post(
      crypto.randomUUID(),
      { kind: "eqia", title: "x" },
      { data: pdf(), filename: "a.pdf", contentType: "application/pdf" },
    );
    expect(unknown.statusCode).toBe(404);
    const created = await post(
      projectId,
      { kind: "lessons-log", title: "Lessons" },
      { data: pdf(), filename: "a.pdf", contentType: "application/pdf" },
    );
    const id = created.json<{ id: string }>().id;
    const cross = await t.app.inject({
      url: `/api/v1/projects/${otherProjectId}/documents/${id}/versions/1`,
      headers: auth(),
    });
    expect(cross.statusCode).toBe(404);
    const missingVersion = await t.app.inject({
      url: `/api/v1/projects/${projectId}/documents/${id}/versions/9`,
      headers: auth(),
    });
    expect(missingVersion.statusCode).toBe(404);
  });

  it("refuses JSON instead of multipart", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: `/api/v1/projects/${projectId}/documents`,
      headers: auth(),
      payload: { kind: "eqia", title: "json" },
    });
    expect(response.statusCode).toBe(415);
  });

  it("is refused to an evaluator (403) before anything is read", async () => {
    const evaluator = await createUser(t.services, ["evaluator"]);
    const bearer = await apiTokenFor(t.services, evaluator.id);
    const response = await post(
      projectId,
      { kind: "eqia", title: "x" },
      { data: pdf(), filename: "a.pdf", contentType: "application/pdf" },
      bearer,
    );
    expect(response.statusCode).toBe(403);
  });
});

describe("document upload page", () => {
  async function pageUpload(fields: MultipartPart[], cookies = commissioner) {
    const { csrf, cookies: jar } = await formToken(t.app, `/projects/${projectId}/documents`, cookies);
    const form = multipart([{ name: "_csrf", value: csrf }, ...fields]);
    const response = await t.app.inject({
      method: "POST",
      url: `/projects/${projectId}/documents`,
      cookies: jar,
      headers: form.headers,
      payload: form.payload,
    });
    return { response, cookies: cookiesFrom(response, jar) };
  }

  it("uploads through the multipart form with its CSRF token, then lists the document with its versions", async () => {
    const { response, cookies } = await pageUpload([
      { name: "kind", value: "needs-assessment" },
      { name: "title", value: "Young people's needs" },
      { name: "file", filename: "needs.pdf", contentType: "application/pdf", data: pdf() },
    ]);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`/projects/${projectId}/documents`);
    const again = await pageUpload(
      [
        { name: "kind", value: "needs-assessment" },
        { name: "title", value: "Young people's needs" },
        { name: "file", filename: "needs-v2.pdf", contentType: "application/pdf", data: pdf() },
      ],
      cookies,
    );
    const $ = html(
      (await t.app.inject({ url: `/projects/${projectId}/documents`, cookies: again.cookies })).body,
    );
    expect($(".govuk-notification-banner--success").text()).toContain(
      "Needs assessment “Young people's needs” version 2 has been uploaded",
    );
    const row = $("#documents-table tbody tr").filter((_i, el) =>
      $(el).text().includes("Young people's needs"),
    );
    expect(row).toHaveLength(1);
    const links = row.find("a");
    expect(links).toHaveLength(2);
    expect(links.first().text()).toContain("Version 2");
    const href = links.last().attr("href") ?? "";
    expect(href).toMatch(/\/versions\/1$/);
    const download = await t.app.inject({ url: href, cookies: commissioner });
    expect(download.statusCode).toBe(200);
    expect(download.headers["content-disposition"]).toContain('filename="needs.pdf"');
    expect(download.rawPayload.subarray(0, 5).toString()).toBe("%PDF-");
  });

  it("asks for a file when the file input was left empty", async () => {
    const before = await storedCounts();
    const { response, cookies } = await pageUpload([
      { name: "kind", value: "consultation-report" },
      { name: "title", value: "Nothing chosen" },
      { name: "file", filename: "", contentType: "application/octet-stream", data: Buffer.alloc(0) },
    ]);
    expect(response.statusCode).toBe(303);
    const $ = html((await t.app.inject({ url: `/projects/${projectId}`, cookies })).body);
    expect($('.govuk-error-summary a[href="#file"]').text().trim()).toBe("Select a file");
    expect(await storedCounts()).toEqual(before);
  });

  it("shows a refused file in the error summary and keeps the kind and title", async () => {
    const before = await storedCounts();
    const { response, cookies } = await pageUpload([
      { name: "kind", value: "consultation-report" },
      { name: "title", value: "Consultation feedback" },
      { name: "file", filename: "empty.pdf", contentType: "application/pdf", data: Buffer.alloc(0) },
    ]);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`/projects/${projectId}/documents`);
    const $ = html((await t.app.inject({ url: `/projects/${projectId}/documents`, cookies })).body);
    expect($('.govuk-error-summary a[href="#file"]').text()).toContain("The selected file is empty");
    expect($("#file-error").text()).toContain("The selected file is empty");
    expect($("#title").val()).toBe("Consultation feedback");
    expect($("#kind option[selected]").val()).toBe("consultation-report");
    expect(await storedCounts()).toEqual(before);
  });

  it("refuses a form without a valid CSRF token before storing anything", async () => {
    const before = await storedCounts();
    const form = multipart([
      { name: "_csrf", value: "forged" },
      { name: "kind", value: "eqia" },
      { name: "title", value: "Forged" },
      { name: "file", filename: "f.pdf", contentType: "application/pdf", data: pdf() },
    ]);
    const response = await t.app.inject({
      method: "POST",
      url: `/projects/${projectId}/documents`,
      cookies: commissioner,
      headers: form.headers,
      payload: form.payload,
    });
    expect(response.statusCode).toBe(403);
    expect(html(response.body)("h1").text()).toContain("could not be sent");
    expect(await storedCounts()).toEqual(before);
  });

  it("refuses a 60 MB file on the page too, with a clear message", async () => {
    const before = await storedCounts();
    const big = Buffer.alloc(60 * 1024 * 1024, 0x20);
    big.write("%PDF-1.4\n", 0);
    const { cookies } = await pageUpload([
      { name: "kind", value: "eqia" },
      { name: "title", value: "Too big" },
      { name: "file", filename: "big.pdf", contentType: "application/pdf", data: big },
    ]);
    const $ = html((await t.app.inject({ url: `/projects/${projectId}/documents`, cookies })).body);
    expect($('.govuk-error-summary a[href="#file"]').text()).toContain("The file must be 50 MB or smaller");
    expect(await storedCounts()).toEqual(before);
  });

  it("is forbidden to a supplier", async () => {
    const supplier = await createUser(t.services, ["supplier-user"]);
    const cookies = await signIn(t.app, supplier.email);
    const before = await storedCounts();
    const { response } = await pageUpload(
      [
        { name: "kind", value: "eqia" },
        { name: "title", value: "x" },
        { name: "file", filename: "f.pdf", contentType: "application/pdf", data: pdf() },
      ],
      cookies,
    );
    expect(response.statusCode).toBe(403);
    const [doc] = await t.database.db.select().from(projectDocuments).where(eq(projectDocuments.title, "x"));
    expect(doc).toBeUndefined();
    expect(await storedCounts()).toEqual(before);
    const download = await t.app.inject({ url: `/projects/${projectId}`, cookies });
    expect(download.statusCode).toBe(403);
  });
});
