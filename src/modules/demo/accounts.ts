import { addMonthsClamped, type IsoDate } from "../../domain/dates.js";
import { financialYearStart } from "../../domain/indicators/terms.js";
import { SYSTEM_ACTOR, type Actor } from "../../domain/policy.js";
import type { Role } from "../../domain/roles.js";
import type { Services } from "../../services.js";
import { actorFor } from "../accounts/queries.js";
import { generatedPassword } from "../accounts/service.js";
import { DEMO_ORGANISATIONS } from "./organisations.js";

/** The demo's people: one per role, members of the boards and groups that decide (§2.1). */

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
    // The opening's witness: another procurement officer (App C 5.6).
    email: "procurement2@commissioner.example",
    name: "Robin Procurement",
    roles: ["procurement-officer"],
    organisationCode: "KCC",
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
  {
    // A second bidder, so a tender has more than one submission to open (App C 5.6).
    email: "supplier2@commissioner.example",
    name: "Sasha Second",
    roles: ["supplier-user"],
    organisationCode: "S002",
  },
];

export interface DemoSignIn {
  role: string;
  email: string;
  password: string;
  note?: string;
}

/** Each demo person as the services know them, by email, to act as them. */
export type DemoActors = Map<string, Actor>;

/**
 * The demo's memberships begin two financial years before today, so the meetings the demo and its
 * users record (dated in the past) fall inside them (decision-authority.ts).
 */
function membershipsFrom(today: IsoDate): IsoDate {
  return financialYearStart(addMonthsClamped(today, -24));
}

/** One random password per account: knowing one demo sign-in gives no other. */
function demoPassword(): string {
  return `demo-${generatedPassword(9)}`;
}

/**
 * Creates the organisations, then each person with a password of their own and their memberships,
 * through the same services as an administrator's; returns the sign-ins to print and the actors.
 */
export async function createDemoAccounts(
  services: Services,
): Promise<{ signIns: DemoSignIn[]; actors: DemoActors }> {
  for (const org of DEMO_ORGANISATIONS) await services.organisations.create(SYSTEM_ACTOR, org);
  const from = membershipsFrom(services.clock.today());
  const signIns: DemoSignIn[] = [];
  const actors: DemoActors = new Map();
  for (const u of DEMO_USERS) {
    const password = demoPassword();
    const { user } = await services.users.create(
      SYSTEM_ACTOR,
      { email: u.email, name: u.name, roles: u.roles, organisationCode: u.organisationCode, password },
      { announce: false },
    );
    for (const body of u.bodies ?? [])
      await services.governance.addMember(SYSTEM_ACTOR, body.code, {
        userId: user.id,
        role: body.role,
        from,
        to: null,
      });
    actors.set(u.email, actorFor({ ...user, totpEnabled: false }));
    signIns.push({
      role: u.roles.join(", "),
      email: u.email,
      password,
      ...(u.roles.includes("administrator") ? { note: "sets up two-factor sign-in at first sign-in" } : {}),
    });
  }
  return { signIns, actors };
}
