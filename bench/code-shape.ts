/**
 * The shape of the production code in figures, beside the limits the project holds itself to
 * (docs/architecture.md): files over 400 lines, functions over 60 lines, `as` casts (other than
 * `as const`) and import cycles among `src/` files. `npm run bench:code [-- --list]` names each
 * offender with --list.
 */
import {
  FILE_LIMIT,
  FUNCTION_LIMIT,
  importCycles,
  productionFiles,
  shapeOf,
  SRC,
} from "../scripts/code-shape/measure.js";

const list = process.argv.includes("--list");

const shapes = productionFiles(SRC).map(shapeOf);
const bigFiles = shapes.filter((s) => s.lines > FILE_LIMIT);
const longFunctions = shapes.flatMap((s) => s.longFunctions.map((f) => ({ file: s.file, ...f })));
const casts = shapes.reduce((sum, s) => sum + s.casts, 0);
const cycles = importCycles(shapes);

console.log(`production files in src/: ${String(shapes.length)}`);
console.log(`files over ${String(FILE_LIMIT)} lines: ${String(bigFiles.length)} (reference: 0)`);
if (list) for (const s of bigFiles) console.log(`  ${s.file} ${String(s.lines)}`);
console.log(`functions over ${String(FUNCTION_LIMIT)} lines: ${String(longFunctions.length)} (reference: 0)`);
if (list) for (const f of longFunctions) console.log(`  ${f.file} ${f.name} ${String(f.lines)}`);
console.log(`'as' casts (not 'as const'): ${String(casts)}`);
if (list) for (const s of shapes.filter((x) => x.casts > 0)) console.log(`  ${s.file} ${String(s.casts)}`);
console.log(`import cycles (value imports): ${String(cycles.length)} (reference: 0)`);
for (const cycle of cycles) console.log(`  ${cycle.join(" -> ")}`);
