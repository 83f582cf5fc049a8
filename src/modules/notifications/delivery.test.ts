import { describe, expect, it } from "vitest";
import { describeFailure } from "./delivery.js";

describe("describeFailure: why an attempt failed, without any address", () => {
  it.each([
    [
      "an SMTP refusal naming the recipient",
      Object.assign(new Error("Can't send mail - all recipients were rejected"), {
        code: "EENVELOPE",
        responseCode: 550,
        command: "RCPT TO",
        response: "550 5.1.1 <jo.bloggs@council.example>: Recipient address rejected",
      }),
      "SMTP: EENVELOPE 550 after RCPT TO 550 5.1.1 <[address]>: Recipient address rejected",
    ],
    [
      "a connection that failed",
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:2525"), { code: "ESOCKET" }),
      "SMTP: ESOCKET connect ECONNREFUSED 127.0.0.1:2525",
    ],
    [
      "GOV.UK Notify's refusal",
      {
        response: {
          status: 400,
          data: {
            errors: [
              { error: "ValidationError", message: "email_address a@b.example Not a valid email address" },
            ],
          },
        },
      },
      "GOV.UK Notify answered 400: ValidationError: email_address [address] Not a valid email address",
    ],
    ["something else", "boom", "SMTP: boom"],
  ])("%s", (_name, error, expected) => {
    expect(describeFailure(error)).toBe(expected);
  });
});
