import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { Config } from "../../config.js";
import { SYSTEM_ACTOR } from "../../domain/policy.js";
import type { Role } from "../../domain/roles.js";
import { users } from "../../db/schema/index.js";
import type { Services } from "../../services.js";
import { generatedPassword } from "../accounts/service.js";
import type { OrganisationInput } from "../organisations/service.js";

/** A world that looks like the framework's: partners, providers, boards with members. */
export const DEMO_ORGANISATIONS: OrganisationInput[] = [
  {
    name: "Kent County Council",
    kind: "council",
    code: "KCC",
    companyNumber: undefined,
    charityNumber: undefined,
  },
  { name: "Kent Police", kind: "partner", code: "KPOL", companyNumber: undefined, charityNumber: undefined },
  {
    name: "Kent, Surrey and Sussex Probation",
    kind: "partner",
    code: "KSSPROB",
    companyNumber: undefined,
    charityNumber: undefined,
  },
  {
    name: "NHS Kent and Medway",
    kind: "partner",
    code: "NHSKM",
    companyNumber: undefined,
    charityNumber: undefined,
  },
  {
    name: "Maidstone Borough Council",
    kind: "partner",
    code: "MBC",
    companyNumber: undefined,
    charityNumber: undefined,
  },
  {
    name: "Canterbury City Council",
    kind: "partner",
    code: "CCC",
    companyNumber: undefined,
    charityNumber: undefined,
  },
  {
    name: "Thanet District Council",
    kind: "partner",
    code: "TDC",
    companyNumber: undefined,
    charityNumber: undefined,
  },
  {
    name: "Weald Recovery Partnership",
    kind: "provider",
    code: "P001",
    companyNumber: "08123456",
    charityNumber: "1150001",
  },
  {
    name: "Medway Housing Support Trust",
    kind: "provider",
    code: "P002",
    companyNumber: "07234567",
    charityNumber: "1120002",
  },
  {
    name: "North Downs Drug and Alcohol Service",
    kind: "provider",
    code: "P003",
    companyNumber: "06345678",
    charityNumber: "1090003",
  },
  {
    name: "Coastal Young People's Service",
    kind: "provider",
    code: "P004",
    companyNumber: "09456789",
    charityNumber: "1160004",
  },
  {
    name: "Garden of England Floating Support",
    kind: "provider",
    code: "P005",
    companyNumber: "05567890",
    charityNumber: undefined,
  },
  {
    name: "Pathways to Work Kent",
    kind: "provider",
    code: "P006",
    companyNumber: "10678901",
    charityNumber: undefined,
  },
  {
    name: "Harbour Care Group Ltd",
    kind: "supplier",
    code: "S001",
    companyNumber: "11789012",
    charityNumber: undefined,
  },
  {
    name: "Second Step Recovery CIC",
    kind: "supplier",
    code: "S002",
    companyNumber: "12890123",
    charityNumber: undefined,
  },
  {
    name: "Oast House Homes Ltd",
    kind: "supplier",
    code: "S003",
    companyNumber: "13901234",
    charityNumber: undefined,
  },
  {
    name: "New Leaf Support Services",
    kind: "supplier",
    code: "S004",
    companyNumber: "14012345",
    charityNumber: "1180005",
  },
];

interface DemoUser {
  email: string;
  name: string;
  roles: Role[];
  organisationCode?: string;
  bodies?: { code: string; role: "chair" | "member" | "officer" }[];
}

export const DEMO_USERS: DemoUser[] = [
  {
    email: "admin@commissioner.example",
    name: "Alex Administrator",
    roles: ["administrator"],
    organisationCode: "KCC",
  },
  {
    email: "commissioner@commissioner.example",
    name: "Chris Commissioner",
    roles: ["commissioner"],
    organisationCode: "KCC",
    bodies: [
      { code: "OPERATIONAL_TEAM", role: "member" },
      { code: "JCG", role: "officer" },
      { code: "CSG", role: "officer" },
    ],
  },
  {
    email: "procurement@commissioner.example",
    name: "Pat Procurement",
    roles: ["procurement-officer"],
    organisationCode: "KCC",
    bodies: [
      { code: "SSP", role: "member" },
      { code: "PROCUREMENT_MANAGER", role: "officer" },
    ],
  },
  {
    email: "evaluator@commissioner.example",
    name: "Evie Evaluator",
    roles: ["evaluator"],
    organisationCode: "KCC",
  },
  {
    email: "authorised@commissioner.example",
    name: "Ola Authorised",
    roles: ["authorised-officer"],
    organisationCode: "KCC",
    bodies: [
      { code: "DIRECTOR", role: "officer" },
      { code: "PROCUREMENT_BOARD", role: "member" },
    ],
  },
  {
    email: "board@commissioner.example",
    name: "Bea Board",
    roles: ["board-member"],
    organisationCode: "KPOL",
    bodies: [
      { code: "KDAAT_BOARD", role: "chair" },
      { code: "SP_COMMISSIONING_BODY", role: "member" },
    ],
  },
  {
    email: "jcg@commissioner.example",
    name: "Jo Group",
    roles: ["board-member"],
    organisationCode: "NHSKM",
    bodies: [
      { code: "JCG", role: "chair" },
      { code: "CSG", role: "member" },
    ],
  },
  {
    // The boards' and groups' clerk: records their decisions on their behalf with the minutes
    // reference, and leads no project, so the demo's decisions need no commissioner (§2.1, §3.4).
    email: "clerk@commissioner.example",
    name: "Kit Clerk",
    roles: ["authorised-officer"],
    organisationCode: "KCC",
    bodies: [
      { code: "KDAAT_BOARD", role: "officer" },
      { code: "SP_COMMISSIONING_BODY", role: "officer" },
      { code: "JCG", role: "officer" },
      { code: "CSG", role: "officer" },
      { code: "PROCUREMENT_BOARD", role: "officer" },
    ],
  },
  {
    email: "equalities@commissioner.example",
    name: "Sam Equalities",
    roles: ["commissioner"],
    organisationCode: "KCC",
    bodies: [
      { code: "EQUALITIES_TEAM", role: "member" },
      { code: "LEGAL", role: "member" },
    ],
  },
  {
    email: "provider@commissioner.example",
    name: "Priya Provider",
    roles: ["provider-user"],
    organisationCode: "P001",
  },
  {
    email: "supplier@commissioner.example",
    name: "Sid Supplier",
    roles: ["supplier-user"],
    organisationCode: "S001",
  },
];

/** One line per demo sign-in, aligned, for the console. */
export function formatSignIns(signIns: DemoSignIn[]): string[] {
  return signIns.map(
    (s) => `  ${s.role.padEnd(20)} ${s.email.padEnd(36)} ${s.password}${s.note ? `  (${s.note})` : ""}`,
  );
}

export interface DemoSignIn {
  role: string;
  email: string;
  password: string;
  note?: string;
}

/** Where the demo sign-ins are kept (readable by the owner only) after they were printed once. */
export const demoSignInsFile = (config: Config) => path.join(config.dataDir, "demo-sign-ins.json");

/**
 * Loads the demo data into an empty database, through the same services as everything else (so it is
 * audited), and returns the sign-ins to print. When the database already has users it returns null: the
 * passwords are printed once, not into the log at every start (they stay in demoSignInsFile).
 */
export async function ensureDemoData(services: Services, config: Config): Promise<DemoSignIn[] | null> {
  const file = demoSignInsFile(config);
  const db = services.database.db;
  const [count] = await db.select({ n: sql<number>`count(*)::int` }).from(users);
  if ((count?.n ?? 0) > 0) return null;
  const password = `demo-${generatedPassword(9)}`;
  for (const org of DEMO_ORGANISATIONS) await services.organisations.create(SYSTEM_ACTOR, org);
  const signIns: DemoSignIn[] = [];
  for (const u of DEMO_USERS) {
    const { user } = await services.users.create(
      SYSTEM_ACTOR,
      { email: u.email, name: u.name, roles: u.roles, organisationCode: u.organisationCode, password },
      { announce: false },
    );
    for (const body of u.bodies ?? []) await addMember(services, body.code, user.id, body.role);
    signIns.push({
      role: u.roles.join(", "),
      email: u.email,
      password,
      ...(u.roles.includes("administrator") ? { note: "sets up two-factor sign-in at first sign-in" } : {}),
    });
  }
  fs.mkdirSync(config.dataDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(signIns, null, 2), { mode: 0o600 });
  return signIns;
}

/**
 * The demo's memberships begin at the start of financial year 2024, so the meetings a demo user
 * records (dated in the past) fall inside them (decision-authority.ts).
 */
const DEMO_MEMBERSHIPS_FROM = "2024-04-01";

async function addMember(
  services: Services,
  bodyCode: string,
  userId: string,
  role: "chair" | "member" | "officer",
) {
  await services.governance.addMember(SYSTEM_ACTOR, bodyCode, {
    userId,
    role,
    from: DEMO_MEMBERSHIPS_FROM,
    to: null,
  });
}
