import { hash as argonHash, verify as argonVerify } from "@node-rs/argon2";
import { randomToken } from "./tokens.js";

const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argonHash(password, ARGON2);
}

export function verifyPassword(hash: string, password: string): Promise<boolean> {
  return argonVerify(hash, password);
}

/** A password made up for someone who was given none: random, URL-safe, of `bytes` random bytes. */
export function generatedPassword(bytes = 12): string {
  return randomToken(bytes);
}

/** argon2id hash of a random string, used to spend the same time when an email is unknown. */
export const DUMMY_HASH = await hashPassword(randomToken());
