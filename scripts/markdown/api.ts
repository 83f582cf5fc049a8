import { cell } from "./table.js";

/**
 * docs/api.md, written from the OpenAPI document the routes generate, so the reference a reader finds
 * in the repository cannot drift from the code (a test compares them; `npm run docs` rewrites it).
 */

interface Schema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  description?: string;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: Schema;
  description?: string;
}

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
}

export interface OpenApiDocument {
  info: { title: string; version: string };
  paths?: Record<string, Record<string, Operation>>;
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

/** A short type in words: `string (uuid)`, `"a" | "b"`, `array of integer`. */
export function describeSchema(schema: Schema | undefined): string {
  if (!schema) return "any";
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(" | ");
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return alternatives.map(describeSchema).join(" | ");
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : (schema.type ?? "any");
  if (type === "array") return `array of ${describeSchema(schema.items)}`;
  return schema.format ? `${type} (${schema.format})` : type;
}

function parameterRows(parameters: Parameter[]): string[] {
  if (parameters.length === 0) return [];
  return [
    "",
    "| parameter | in | required | type |",
    "| --- | --- | --- | --- |",
    ...parameters.map(
      (p) => `| \`${p.name}\` | ${p.in} | ${p.required ? "yes" : "no"} | ${cell(describeSchema(p.schema))} |`,
    ),
  ];
}

function fieldRows(title: string, schema: Schema): string[] {
  const required = new Set(schema.required ?? []);
  return [
    "",
    title,
    "",
    "| field | required | type |",
    "| --- | --- | --- |",
    ...Object.entries(schema.properties ?? {}).map(
      ([name, field]) =>
        `| \`${name}\` | ${required.has(name) ? "yes" : "no"} | ${cell(describeSchema(field))} |`,
    ),
  ];
}

function bodyRows(operation: Operation): string[] {
  const content = operation.requestBody?.content ?? {};
  const [mediaType, media] = Object.entries(content)[0] ?? [];
  if (!mediaType) return [];
  const schema = media?.schema;
  if (!schema?.properties) return ["", `Body: \`${mediaType}\`.`];
  return fieldRows(`Body (\`${mediaType}\`):`, schema);
}

/** The fields of the first successful answer, and of its list's items when it is a list. */
function answerRows(operation: Operation): string[] {
  const [status, response] =
    Object.entries(operation.responses ?? {}).find(([code]) => code.startsWith("2")) ?? [];
  const schema = response?.content?.["application/json"]?.schema;
  if (!status || !schema?.properties) return [];
  const items = schema.properties.items?.items;
  return [
    ...fieldRows(`Answer (${status}):`, schema),
    ...(items?.properties ? fieldRows("Each of `items`:", items) : []),
  ];
}

function operationSection(method: string, path: string, operation: Operation): string[] {
  const responses = Object.keys(operation.responses ?? {}).join(", ");
  return [
    `### ${method.toUpperCase()} \`${path}\``,
    ...(operation.summary ? ["", cell(operation.summary)] : []),
    ...(operation.description ? ["", operation.description.trim()] : []),
    ...parameterRows(operation.parameters ?? []),
    ...bodyRows(operation),
    ...answerRows(operation),
    ...(responses ? ["", `Responses: ${responses}.`] : []),
    "",
  ];
}

export function openApiMarkdown(document: OpenApiDocument): string {
  const paths = Object.keys(document.paths ?? {}).sort();
  const sections = paths.flatMap((path) => {
    const item = document.paths?.[path] ?? {};
    return METHODS.flatMap((method) => {
      const operation = item[method];
      return operation ? operationSection(method, path, operation) : [];
    });
  });
  return [
    `# ${document.info.title} ${document.info.version}`,
    "",
    "Written from the OpenAPI document that the routes generate (`/api/v1/openapi.json`): do not edit by",
    "hand; `npm run docs` writes it again, and a test fails when it differs from the routes.",
    "Conventions (authentication, problem documents, lists and cursors, versions): see the README's API",
    "section.",
    "",
    ...sections,
  ].join("\n");
}
