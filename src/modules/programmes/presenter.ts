import type { governanceBodies, programmes } from "../../db/schema/index.js";
import { isProgrammeCode, type ProgrammeCode } from "../../domain/governance.js";

export interface ProgrammeView {
  code: ProgrammeCode;
  name: string;
  aims: { ref: string; text: string }[];
  outcomes: { ref: string; text: string }[];
}

/** The programmes as views; the table holds only the framework's four codes (loadReferenceData). */
export function presentProgrammes(rows: (typeof programmes.$inferSelect)[]): ProgrammeView[] {
  return rows.flatMap((p) => {
    const code = p.code;
    return isProgrammeCode(code) ? [{ code, name: p.name, aims: p.aims, outcomes: p.outcomes }] : [];
  });
}

export function presentBody(b: typeof governanceBodies.$inferSelect) {
  return {
    code: b.code,
    name: b.name,
    kind: b.kind,
    parentCode: b.parentCode,
    programmeCodes: b.programmeCodes,
    description: b.description,
    paragraph: b.paragraph,
  };
}
