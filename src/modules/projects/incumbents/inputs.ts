import { z } from "zod";
import { isIsoDate } from "../../../domain/dates.js";

/** The bodies of the contracts being recommissioned, as the API takes them and the page forms become. */

const isoDate = (label: string) =>
  z
    .string({ error: `Enter ${label}` })
    .trim()
    .refine(isIsoDate, { message: `${label[0]?.toUpperCase() ?? ""}${label.slice(1)} must be a real date` });

const name = z
  .string({ error: "Enter the contract's name" })
  .trim()
  .min(1, "Enter the contract's name")
  .max(200, "Contract name must be 200 characters or fewer");

const noticeDays = z
  .number({ error: "Enter the notice period in days" })
  .int("Notice period must be a whole number of days")
  .min(0, "Notice period must be 0 or more")
  .max(3650, "Notice period must be 3,650 days or fewer");

export const incumbentInput = z.object({
  name,
  providerOrganisationId: z.uuid("Select the provider").nullable().optional(),
  endsOn: isoDate("the date the contract ends").describe("YYYY-MM-DD"),
  noticeDays: noticeDays.describe("notice the contract requires, in calendar days"),
});
export type IncumbentInput = z.output<typeof incumbentInput>;

export const incumbentPatchInput = z.object({
  name: name.optional(),
  providerOrganisationId: z.uuid("Select the provider").nullable().optional(),
  endsOn: isoDate("the date the contract ends").optional(),
  noticeDays: noticeDays.optional(),
  noticeGivenOn: isoDate("the date notice was given")
    .nullable()
    .optional()
    .describe("YYYY-MM-DD: the date notice was given"),
  noticeDocumentId: z
    .uuid("Select the letter of notice")
    .nullable()
    .optional()
    .describe("a notice-letter document of the same project, as evidence"),
  version: z.number({ error: "version is required" }).int(),
});
export type IncumbentPatchInput = z.output<typeof incumbentPatchInput>;
