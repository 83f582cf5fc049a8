import {
  episodeInPeriod,
  exitInPeriod,
  firstEpisode,
  followedByRepresentation,
  inPeriod,
  isAdult,
  isAlcoholUser,
  isCriminalJusticeClient,
  isDrugUser,
  isNewPresentation,
  isSuccessfulExit,
  isYoungPerson,
  substanceGroup,
  type DischargeReason,
  type IsoDate,
  type Period,
  type TreatmentEpisode,
} from "./terms.js";

/**
 * Part of the reference implementation (reference.ts): what one client's treatment episodes say for
 * the Appendix A (SM) indicators, read literally from docs/indicators.md; each rule quotes the
 * sentence it implements.
 */

/** What the SM indicators need to know about one client in one scope (a provider, or all). */
export interface ClientFacts {
  /** Has an adult episode in the period (in scope). */
  readonly adultMember: boolean;
  readonly drugUser: boolean;
  readonly alcoholUser: boolean;
  readonly adultSuccessfulExit: { readonly date: IsoDate; readonly representation: boolean } | null;
  readonly criminalJustice: boolean;
  /** SM07: null when the client has no adult new presentation in the financial year to date. */
  readonly sm07: { readonly eligible: boolean; readonly accepted: boolean } | null;
  readonly sm08: { readonly eligible: boolean; readonly tested: boolean };
  readonly youngMember: boolean;
  readonly youngExitReason: DischargeReason | null;
}

export function clientFacts(
  all: readonly TreatmentEpisode[],
  provider: string | null,
  period: Period,
  sm07Window: Period,
): ClientFacts {
  // "Per provider, a client counts for each provider they have an episode with in the period:
  // membership, substance group and exit are decided from that provider's episodes only, while the two
  // checks that look outside an exit ("no other episode open on that date" and "followed by
  // re-presentation") look at the client's episodes at every provider. In the all-providers figure
  // each client counts once."
  const scoped = all.filter((e) => provider === null || e.providerCode === provider);

  // "Adult indicators (SM01–SM10, SM13, SM14) use only the client's **adult** episodes for membership,
  // substance group and exit; young people's indicators (SM11, SM12) use only their **young-person**
  // episodes. The checks that look outside an exit use all of the client's episodes, of any age."
  const adult = scoped.filter(isAdult);
  const young = scoped.filter(isYoungPerson);
  const adultInPeriod = adult.filter((e) => episodeInPeriod(e, period));
  const youngInPeriod = young.filter((e) => episodeInPeriod(e, period));

  // "**Substance group** of a client in a period, from the union of `substances` over the client's
  // adult episodes in the period".
  const group = substanceGroup(adultInPeriod);

  // "young people's exits": the young-person exit, decided like the adult one.
  const youngExit = exitInPeriod(young, period);

  return {
    adultMember: adultInPeriod.length > 0,
    drugUser: isDrugUser(group),
    alcoholUser: isAlcoholUser(group),
    adultSuccessfulExit: adultSuccessfulExit(adult, all, period),
    // "**Criminal-justice client**: any of their episodes in the period has `referral_source =
    // criminal-justice`" — for the adult indicators SM09/SM10, their adult episodes in scope.
    criminalJustice: isCriminalJusticeClient(adultInPeriod),
    sm07: sm07Facts(adult, all, sm07Window),
    sm08: sm08Facts(adultInPeriod, period),
    youngMember: youngInPeriod.length > 0,
    youngExitReason: youngExit?.reason ?? null,
  };
}

/** The adult exit in the period when it is successful, and whether re-presentation followed it. */
function adultSuccessfulExit(
  adult: readonly TreatmentEpisode[],
  all: readonly TreatmentEpisode[],
  period: Period,
): ClientFacts["adultSuccessfulExit"] {
  // "A client's **exit** in the period is their latest `discharge_date` within `[S, E]`".
  const exit = exitInPeriod(adult, period);
  // "The exit is **successful** if its reason is successful and the client has no other episode open
  // on that date" — `all`: every provider, any age.
  const successful = exit !== null && isSuccessfulExit(exit, all);
  return successful
    ? // "A successful exit on d is **followed by re-presentation** if the client has an episode with
      // `d < triage_date ≤ d + 6 months`" — any of the client's episodes.
      { date: exit.date, representation: followedByRepresentation(exit.date, all) }
    : null;
}

function sm07Facts(
  adult: readonly TreatmentEpisode[],
  all: readonly TreatmentEpisode[],
  sm07Window: Period,
): ClientFacts["sm07"] {
  // SM07 denominator: "adult clients with a new presentation from the start of the financial year
  // containing E (1 April) to E, judged by their first such episode, excluding those whose
  // `hepb_status` there is `already-immunised` or `acquired-immunity`". New presentation looks "at any
  // provider", so `all`; the episodes themselves are the client's adult ones in scope.
  const first = firstEpisode(
    adult.filter((e) => inPeriod(e.triageDate, sm07Window) && isNewPresentation(e, all)),
  );
  return first === null
    ? null
    : {
        eligible: first.hepbStatus !== "already-immunised" && first.hepbStatus !== "acquired-immunity",
        // SM07 numerator: "eligible with `hepb_status = offered-accepted`" (on that first episode).
        accepted: first.hepbStatus === "offered-accepted",
      };
}

function sm08Facts(adultInPeriod: readonly TreatmentEpisode[], period: Period): ClientFacts["sm08"] {
  // SM08 denominator: "adult clients with an adult episode in the period whose `injecting_status` is
  // `previously` or `currently`"; numerator: "eligible clients with `hepc_tested_on` set and `≤ E` on
  // any of their adult episodes in the period".
  return {
    eligible: adultInPeriod.some(
      (e) => e.injectingStatus === "previously" || e.injectingStatus === "currently",
    ),
    tested: adultInPeriod.some((e) => e.hepcTestedOn !== null && e.hepcTestedOn <= period.end),
  };
}
