/**
 * Whether `value` is one of a fixed list of codes (programmes, roles, regimes…), narrowing its type.
 * `includes` on a readonly tuple takes only the tuple's own type, so each guard once cast the list.
 */
export function isOneOf<const T extends readonly unknown[]>(codes: T, value: unknown): value is T[number] {
  return codes.some((code) => code === value);
}
