import type { ProgrammeCode } from "../domain/governance.js";

/**
 * Reference data every installation holds, from the framework (seed, §1.1–1.2 and §2).
 * Loaded idempotently at start; demo data (people, organisations) is separate.
 */
const AIMS = [
  ["a", "Prevent problematic drug and alcohol misuse"],
  ["b", "Reduce drug and alcohol related crime and disorder"],
  [
    "c",
    "Enable and support the long-term recovery, rehabilitation and social re-integration of people affected by drug and alcohol misuse and/or homelessness",
  ],
  ["d", "Promote independence and well being"],
  ["e", "Enable people to take control over their lives"],
  ["f", "Participate fully in the social and economic life of their communities"],
  ["g", "Complement services delivered by statutory and non-statutory agencies"],
  [
    "h",
    "Support service users who have little or no recourse to alternative statutory or non statutory services",
  ],
] as const;

const OUTCOMES = {
  a: "Freedom from dependency on drugs and alcohol",
  b: "Improved long-term health, well-being and quality of life for people and communities",
  c: "Well-informed and supported families, children and young people",
  d: "Reduced drug and alcohol related crime, anti-social behaviour and re-offending",
  e: "Improved public health and reduced health inequalities in the county",
  f: "Increased employment and reduced reliance on state benefits and public services",
  g: "Promotion of more stable lifestyles, social inclusion and community cohesion",
  h: "A reduction in the use of residential care for older people and individuals with mental health problems or learning disabilities",
  i: "A reduction in levels of homelessness",
  j: "A reduction in the incidences of repeat homelessness",
  k: "A reduction in the use of temporary accommodation",
  l: "Improved access to both emergency and planned health care",
  m: "Reduce substance misuse related harm caused to young people, their families and communities",
  n: "Improved long-term emotional, mental and physical health, well-being, and quality of life for young people, their parents and carers and their families, affected by substance misuse",
  o: "Well-informed and supported families, children and young people, including improved relationships with family members and friends",
  p: "Increased engagement in positive activities with prosocial peers, education and training, including a reduction in the number of young people excluded from school as a result of substance misuse",
  q: "Increased housing stability for young people",
  r: "Improved public health and reduced health inequalities, including prevention of substance misuse related deaths, teenage pregnancy and blood borne viruses",
} as const;
type OutcomeRef = keyof typeof OUTCOMES;

export interface ProgrammeData {
  code: ProgrammeCode;
  name: string;
  aims: { ref: string; text: string }[];
  outcomes: { ref: string; text: string }[];
}

const aims = (refs: readonly string[]) =>
  AIMS.filter(([ref]) => refs.includes(ref)).map(([ref, text]) => ({ ref: `§1.1 ${ref}`, text }));
const outcomes = (refs: readonly OutcomeRef[]) =>
  refs.map((ref) => ({ ref: `§1.2 ${ref}`, text: OUTCOMES[ref] }));

/**
 * §1.1 states the aims for Commissioned Services as a whole and §1.2 the outcomes; the framework does
 * not split them by programme, so each programme carries the ones its services work towards
 * (substance misuse for KDAAT, housing-related support for SP). Administrators can read the split here.
 */
export const PROGRAMMES: ProgrammeData[] = [
  {
    code: "SP",
    name: "Supporting People",
    aims: aims(["c", "d", "e", "f", "g", "h"]),
    outcomes: outcomes(["b", "g", "h", "i", "j", "k", "l", "q"]),
  },
  {
    code: "KDAAT",
    name: "Drug and Alcohol Action Team",
    aims: aims(["a", "b", "c", "d", "e", "f", "g", "h"]),
    outcomes: outcomes(["a", "b", "c", "d", "e", "f", "g", "m", "n", "o", "p", "r"]),
  },
  {
    code: "KSE",
    name: "Supported Employment",
    aims: aims(["d", "e", "f", "g"]),
    outcomes: outcomes(["b", "f", "g"]),
  },
  {
    code: "KSAS",
    name: "Support and Assistance Service",
    aims: aims(["d", "e", "g", "h"]),
    outcomes: outcomes(["b", "g", "i", "k"]),
  },
];

export interface GovernanceBodyData {
  code: string;
  name: string;
  kind: "executive-board" | "operational-group" | "procurement-board" | "officer" | "team";
  parentCode: string | null;
  programmeCodes: ProgrammeCode[];
  description: string;
  paragraph: string;
}

/** §2 (governance), §3.10 (procurement approvals), §3.13–3.14 (SSP, the Director), App C (equalities, legal). */
export const GOVERNANCE_BODIES: GovernanceBodyData[] = [
  {
    code: "KDAAT_BOARD",
    name: "KDAAT Board",
    kind: "executive-board",
    parentCode: null,
    programmeCodes: ["KDAAT"],
    description:
      "Executive board: sets the strategy for commissioning substance misuse services and approves its outputs.",
    paragraph: "§2.1",
  },
  {
    code: "SP_COMMISSIONING_BODY",
    name: "SP Commissioning Body",
    kind: "executive-board",
    parentCode: null,
    programmeCodes: ["SP", "KSE", "KSAS"],
    description:
      "Executive board: sets the strategy for commissioning housing-related support services and approves its outputs.",
    paragraph: "§2.1",
  },
  {
    code: "JCG",
    name: "Joint Commissioning Groups",
    kind: "operational-group",
    parentCode: "KDAAT_BOARD",
    programmeCodes: ["KDAAT"],
    description: "Operational groups for substance misuse services; advise the KDAAT Board.",
    paragraph: "§2.1",
  },
  {
    code: "CSG",
    name: "Core Strategy Group",
    kind: "operational-group",
    parentCode: "SP_COMMISSIONING_BODY",
    programmeCodes: ["SP", "KSE", "KSAS"],
    description: "Operational group for housing-related support services; advises the SP Commissioning Body.",
    paragraph: "§2.1",
  },
  {
    code: "OPERATIONAL_TEAM",
    name: "Commissioned Services operational team",
    kind: "team",
    parentCode: null,
    programmeCodes: ["SP", "KDAAT", "KSE", "KSAS"],
    description:
      "Hosted by the council; acts as the contracting authority for all Commissioned Services contracts.",
    paragraph: "§2.2",
  },
  {
    code: "DIRECTOR",
    name: "Director of Service Improvement, Customer and Communities",
    kind: "officer",
    parentCode: null,
    programmeCodes: [],
    description: "Receives the evaluation team's recommendation of the most economically advantageous bid.",
    paragraph: "§3.14",
  },
  {
    code: "PROCUREMENT_BOARD",
    name: "Procurement Board",
    kind: "procurement-board",
    parentCode: null,
    programmeCodes: [],
    description:
      "Signs off the procurement plan for specifications over £1,000,000 before the procurement begins.",
    paragraph: "§3.10",
  },
  {
    code: "SSP",
    name: "Strategic Sourcing and Procurement",
    kind: "team",
    parentCode: null,
    programmeCodes: [],
    description:
      "The council's procurement unit; advises on regulations, evaluation, notification and contracting.",
    paragraph: "§3.9, §3.13",
  },
  {
    code: "PROCUREMENT_MANAGER",
    name: "Procurement Manager",
    kind: "officer",
    parentCode: "SSP",
    programmeCodes: [],
    description: "Approves the procurement plan for specifications over £50,000 and up to £1,000,000.",
    paragraph: "§3.10",
  },
  {
    code: "EQUALITIES_TEAM",
    name: "Equalities team",
    kind: "team",
    parentCode: null,
    programmeCodes: [],
    description: "Signs off equality impact assessments.",
    paragraph: "App C 1",
  },
  {
    code: "LEGAL",
    name: "Legal services",
    kind: "team",
    parentCode: null,
    programmeCodes: [],
    description: "Advises on contracts, sealing and challenges.",
    paragraph: "App C 7",
  },
];
