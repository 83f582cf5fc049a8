import { z } from "zod";
import { passwordSchema } from "../users/service.js";

/**
 * What supplier accounts' forms and API bodies accept (docs/tendering.md, supplier accounts): one
 * schema for a page's form and its API twin.
 */

/** Companies House: 8 characters, digits or a two-letter prefix (SC, NI, OC…) and 6 digits. */
const COMPANY_NUMBER = /^(?:\d{8}|[A-Z]{2}\d{6}|[A-Z]\d{7})$/;
/** Charity Commission (England and Wales) 6 to 8 digits, or the Scottish regulator's SC and 6 digits. */
const CHARITY_NUMBER = /^(?:\d{6,8}|SC\d{6})$/;

const COMPANY_MESSAGE = "Enter a company number of 8 characters, like 01234567 or SC123456";
const CHARITY_MESSAGE = "Enter a charity number of 6 to 8 digits, like 1234567";
const NO_NUMBER_MESSAGE =
  "Enter a company number or a charity number, or say why your organisation has neither";

/** A registration number as typed: spaces dropped, letters in capitals, empty as not given. */
function registrationNumber(pattern: RegExp, message: string) {
  return z
    .string()
    .max(20, message)
    .optional()
    .transform((v) => v?.replace(/\s+/g, "").toUpperCase() || undefined)
    .refine((v) => v === undefined || pattern.test(v), message);
}

/** A yes/no question: a boolean in the API, the radios' "yes" or "no" on the page. */
function yesNo(message: string) {
  return z.union([z.boolean(), z.enum(["yes", "no"]).transform((v) => v === "yes")], { error: message });
}

const emailField = (missing: string) =>
  z
    .string({ error: missing })
    .trim()
    .min(1, missing)
    .max(320, "Email address must be 320 characters or fewer")
    .toLowerCase()
    .pipe(z.email("Enter an email address in the correct format, like name@example.org"));

const personName = (missing: string) =>
  z.string({ error: missing }).trim().min(1, missing).max(200, "Name must be 200 characters or fewer");

/**
 * POST /suppliers/register and POST /api/v1/public/suppliers: the organisation and the person who
 * registers it. A company or a charity number, or the reason it has neither (an unincorporated
 * community group has none): the reason is kept in the audit record of the organisation.
 */
export const supplierRegistrationInput = z
  .object({
    name: z
      .string({ error: "Enter your organisation's name" })
      .trim()
      .min(1, "Enter your organisation's name")
      .max(200, "Name must be 200 characters or fewer"),
    companyNumber: registrationNumber(COMPANY_NUMBER, COMPANY_MESSAGE),
    charityNumber: registrationNumber(CHARITY_NUMBER, CHARITY_MESSAGE),
    noNumberReason: z
      .string()
      .trim()
      .max(500, "The reason must be 500 characters or fewer")
      .optional()
      .transform((v) => v || undefined)
      .describe("why the organisation has neither a company nor a charity number"),
    address: z
      .string({ error: "Enter your organisation's postal address" })
      .trim()
      .min(1, "Enter your organisation's postal address")
      .max(500, "Address must be 500 characters or fewer"),
    sme: yesNo("Select whether your organisation is a small or medium-sized enterprise (SME)"),
    vcse: yesNo("Select whether your organisation is a voluntary, community or social enterprise (VCSE)"),
    contactName: personName("Enter your full name"),
    contactEmail: emailField("Enter your email address"),
  })
  .superRefine((value, ctx) => {
    if (!value.companyNumber && !value.charityNumber && !value.noNumberReason) {
      ctx.addIssue({ code: "custom", path: ["companyNumber"], message: NO_NUMBER_MESSAGE });
    }
  });
export type SupplierRegistration = z.output<typeof supplierRegistrationInput>;

/** POST /suppliers/colleagues: the person to add to the signed-in supplier user's organisation. */
export const colleagueInput = z.object({
  name: personName("Enter your colleague's full name"),
  email: emailField("Enter your colleague's email address"),
});
export type ColleagueInput = z.output<typeof colleagueInput>;

/** "Send me a new link": the address the link went to. */
export const newLinkInput = z.object({ email: emailField("Enter your email address") });

/** The link's page: the token, and the password chosen with the accounts' rules (passwordSchema). */
export const choosePasswordInput = z
  .object({
    token: z.string().min(1).max(200),
    newPassword: passwordSchema,
    confirmPassword: z.string().min(1, "Confirm your password"),
  })
  .refine((v) => v.newPassword === v.confirmPassword, {
    path: ["confirmPassword"],
    message: "The passwords do not match",
  });
