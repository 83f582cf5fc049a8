import { createHmac, hash as oneShotHash, hkdfSync } from "node:crypto";

/**
 * Pseudonymisation of client references (docs/indicators.md): each import stores a keyed hash of a
 * client_ref, never the reference itself.
 */

export interface Pseudonymiser {
  /** A fingerprint of the key, stored with each dataset: hashes made under different keys never mix. */
  keyId: string;
  /** HMAC-SHA-256 of a client_ref under the installation's key, in hex. */
  hash: (clientRef: string) => string;
}

/**
 * The installation secret of docs/indicators.md is PSEUDONYMISATION_SECRET (a setting of its own, not the
 * cookie secret), stretched with HKDF-SHA-256 under its own label. Changing it changes every client
 * hash: imports refuse to mix the two (see keyId).
 */
export function createPseudonymiser(installationSecret: string): Pseudonymiser {
  const key = Buffer.from(
    hkdfSync("sha256", installationSecret, "commissioner", "client_ref pseudonymisation v1", 32),
  );
  // HMAC (RFC 2104) from two one-shot SHA-256 hashes, the key padded to the hash's 64-byte block: the
  // same bytes as createHmac (pseudonymiser.test.ts compares them), without an Hmac object per row. Those
  // wrap native state that only a major collection frees, so a million of them grew the heap with the
  // file (the import's peak memory grew from 250,000 to 1,000,000 rows).
  const inner = Buffer.alloc(64, 0x36);
  const outer = Buffer.alloc(64, 0x5c);
  for (let i = 0; i < key.length; i++) {
    inner[i] = (inner[i] ?? 0) ^ (key[i] ?? 0);
    outer[i] = (outer[i] ?? 0) ^ (key[i] ?? 0);
  }
  return {
    keyId: createHmac("sha256", key).update("key id").digest("hex").slice(0, 16),
    hash: (clientRef) =>
      oneShotHash(
        "sha256",
        Buffer.concat([
          outer,
          oneShotHash("sha256", Buffer.concat([inner, Buffer.from(clientRef, "utf8")]), "buffer"),
        ]),
        "hex",
      ),
  };
}

/**
 * Client references remembered by one import. Few on purpose: emptied every few thousand rows, the
 * entries die young. At 20,000, they lived long enough to be promoted, and the heap grew with the file
 * until a major collection (the import's peak memory grew from 250,000 to 1,000,000 rows).
 */
const HASH_CACHE_ENTRIES = 2_000;

/**
 * `hash`, remembered for the length of one import: a client's rows repeat their client_ref (about 2.5
 * episodes a client, often near each other), and an HMAC costs more than checking the rest of the row.
 * The memory is bounded (emptied when full) and dropped with the import, so no mapping of references
 * outlives it.
 */
export function rememberingHash(pseudonymiser: Pseudonymiser): (clientRef: string) => string {
  const known = new Map<string, string>();
  return (clientRef) => {
    let hash = known.get(clientRef);
    if (hash === undefined) {
      if (known.size >= HASH_CACHE_ENTRIES) known.clear();
      hash = pseudonymiser.hash(clientRef);
      known.set(clientRef, hash);
    }
    return hash;
  };
}
