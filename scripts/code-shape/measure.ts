/**
 * The shape of the production code, read with the TypeScript compiler (nothing of the app runs): each
 * file's length, its long functions, its `as` casts and its value imports. `npm run bench:code` prints
 * the figures; test/architecture.test.ts holds the layering of docs/architecture.md with them.
 */
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const SRC = path.join(ROOT, "src");
export const FILE_LIMIT = 400;
export const FUNCTION_LIMIT = 60;

export function productionFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return productionFiles(full);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [full] : [];
  });
}

export interface FileShape {
  file: string;
  lines: number;
  longFunctions: { name: string; lines: number }[];
  casts: number;
  imports: string[];
}

function functionName(node: ts.Node, source: ts.SourceFile): string {
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name) {
    return node.name.getText(source);
  }
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) return parent.name.getText(source);
  return `(anonymous, line ${String(source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1)})`;
}

function isFunctionLike(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isArrowFunction(node) ||
    ts.isFunctionExpression(node)
  );
}

export function shapeOf(file: string): FileShape {
  const text = fs.readFileSync(file, "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const shape: FileShape = {
    file: path.relative(ROOT, file),
    lines: text.split("\n").length,
    longFunctions: [],
    casts: 0,
    imports: [],
  };
  const visit = (node: ts.Node): void => {
    if (ts.isAsExpression(node) && node.type.getText(source) !== "const") shape.casts++;
    if (isFunctionLike(node) && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      if (end - start + 1 > FUNCTION_LIMIT) {
        shape.longFunctions.push({ name: functionName(node, source), lines: end - start + 1 });
      }
    }
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const isTypeOnly = ts.isImportDeclaration(node)
        ? node.importClause?.phaseModifier === ts.SyntaxKind.TypeKeyword
        : node.isTypeOnly;
      const specifier = node.moduleSpecifier.text;
      if (!isTypeOnly && specifier.startsWith(".")) {
        shape.imports.push(
          path.relative(ROOT, path.resolve(path.dirname(file), specifier.replace(/\.js$/, ".ts"))),
        );
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return shape;
}

/** Strongly connected components of more than one file (Tarjan): each is an import cycle. */
export function importCycles(shapes: FileShape[]): string[][] {
  const edges = new Map(shapes.map((s) => [s.file, s.imports]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  const connect = (file: string): void => {
    index.set(file, counter);
    low.set(file, counter);
    counter++;
    stack.push(file);
    onStack.add(file);
    for (const next of edges.get(file) ?? []) {
      if (!edges.has(next)) continue;
      if (!index.has(next)) {
        connect(next);
        low.set(file, Math.min(low.get(file) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1) cycles.push(component);
    }
  };
  for (const file of edges.keys()) if (!index.has(file)) connect(file);
  return cycles;
}
