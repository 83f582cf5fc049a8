import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** A random secret for cookies and API tokens, URL-safe. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

export function hmacHex(secret: string, value: string): string {
  return createHmac("sha256", secret).update(value).digest("hex");
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Personal API tokens carry a recognisable prefix so that secret scanners can find leaked ones. */
export const API_TOKEN_PREFIX = "cmr_";
export function newApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomToken(30)}`;
}
