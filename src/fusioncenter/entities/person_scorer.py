"""The person comparisons of `matching`, written out for one mention against many profiles.

Why this exists: an import of a million rows scores about ten million (mention, profile) pairs,
and `PersonModel.scorer` spends most of its 7 to 9 µs a pair calling eight level functions
through a list, looking the mention's own values up again for every pair and building lists of
levels and weights. Here the mention's side is prepared once (its date split, its phones' last
seven digits, the term-frequency weight of its exact name), and each profile is compared by one
function with the levels worked out inline, in the same order and with the same tests as
`matching`'s level functions, then summed in the same order as `PersonModel.explain`: the same
float for every pair (tests/entities/test_person_scorer.py compares them on generated pairs that
reach every level).

Only the standard comparisons (`matching.person_comparisons`) are written out: a model with other
level functions gets `PersonModel.best` as it is.

A profile that cannot reach a floor is left after its names (or its date of birth), when even the
best level of every field still to come could not lift it there (`best(profiles, floor)`): the
import asks only for candidates that could be matched or suggested, and, once one is matched,
for those that could beat it. The bound adds, for each field the mention has, the field's best
weight; the household rule only takes weight away, so it stays a bound. Most candidates of a
large block share only a surname sound and a year with the mention, and are left after the names.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from . import matching
from .strings import jaro_winkler, levenshtein

# (profiles, floor) -> (highest weight, its profile), or None when no profile reaches the floor
Best = Callable[..., tuple[float, dict] | None]
# a bound is compared with the floor less this: its terms are summed in another order than the
# weight's, which may round differently (by about 1e-14 for these sums)
SLACK = 1e-9

STANDARD = (matching._first_level, matching._last_level, matching._dob_level, matching._sex_level,
            matching._phone_level, matching._email_level, matching._address_level, matching._dl_level)


def matcher(model: matching.PersonModel) -> Callable[[dict], Best]:
    """`against(a)`: for mention `a` (prepared, `formal` a set), a function giving the highest weight
    of `a` against a list of one entity's profiles and that profile (the first of equals), as
    `model.best(a, profiles)` would; None if given a `floor` that no profile reaches (a weight
    equal to the floor is reached). Worked out with the model's parameters as they are now."""
    if tuple(c.level_of for c in model.comparisons) != STANDARD:
        score = model.scorer()

        def plain(a: dict[str, Any]) -> Best:
            def best(profiles: Sequence[dict], floor: float = -math.inf) -> tuple[float, dict] | None:
                found = model.best(a, profiles, score)
                return found if found[0] >= floor else None

            return best

        return plain
    tables = [[comp.weight(level) for level in range(len(comp.m))] for comp in model.comparisons]
    t_first, t_last, t_dob, t_sex, t_phone, t_email, t_addr, t_dl = tables
    prior = model.prior_weight
    top = [max(0.0, *table) for table in tables]  # a field's best weight (none: it adds nothing)

    def exact(position: int, a: dict[str, Any]) -> float:
        """The exact level's weight for the mention's own value: its term frequency's when the model
        has one (`PersonModel._u_tf`, as `explain` weighs it)."""
        comp = model.comparisons[position]
        return comp.weight(0, model._u_tf(comp, 0, a))

    def against(a: dict[str, Any]) -> Best:
        af, al, ad, asx = a["first"], a["last"], a["dob"], a["sex"]
        a_formal, a_mid = a["formal"], (a["middle"].split() or [None])[0]
        af_short, al_len, al_sx = len(af) == 1, len(al), a["last_sx"]
        w_first0, w_last0 = exact(0, a) if af else 0.0, exact(1, a) if al else 0.0
        a_year, a_month, a_day, a_md = ad[:4], ad[5:7], ad[8:10], ad[5:]
        a_year_n = int(a_year) if ad else 0
        phones, emails = a["phones"], a["emails"]
        # as sets, compared with a profile's lists by `isdisjoint` in C: a generator per pair was
        # 2.3% of the resolving process at a million rows (py-spy)
        phone_set, email_set = frozenset(phones), frozenset(emails)
        tails = frozenset(p[-7:] for p in phones)
        users = frozenset(e.partition("@")[0] for e in emails)
        addr, zip_code, dl = a["addr"], a["zip"], a["dl"]
        street = addr.partition("|")[0]
        # the most the fields after the date of birth can add for this mention, then with the date
        # of birth too; SLACK added, so that a bound is never below the weight it bounds
        after_dob = (SLACK + (top[3] if asx else 0.0) + (top[4] if phones else 0.0) + (top[5] if emails else 0.0)
                     + (top[6] if addr or zip_code else 0.0) + (top[7] if dl else 0.0))
        after_names = after_dob + (top[2] if ad else 0.0)

        def score(b: dict[str, Any], floor: float) -> float | None:
            # first name (`matching._first_level`)
            y = b["first"]
            if not af or not y:
                lf = None
            elif af == y:
                lf = 0
            elif not a_formal.isdisjoint(b["formal"]):
                lf = 1
            else:
                jw = jaro_winkler(af, y)
                if jw >= 0.92:
                    lf = 2
                elif (jw >= 0.80 or (af_short or len(y) == 1) and af[0] == y[0]
                      or a_mid == y or (b["middle"] and b["middle"].split()[0] == af)):
                    lf = 3  # similar, an initial, or first and middle names swapped
                else:
                    lf = 4
            # last name (`_last_level`)
            y = b["last"]
            if not al or not y:
                ll = None
            elif al == y:
                ll = 0
            else:
                jw = jaro_winkler(al, y)
                if jw >= 0.94:
                    ll = 1
                elif jw >= 0.86 or al_sx == b["last_sx"] or al_len >= 4 and len(y) >= 4 and (al in y or y in al):
                    ll = 2
                else:
                    ll = 3
            w_first = 0.0 if lf is None else w_first0 if lf == 0 else t_first[lf]
            w_last = 0.0 if ll is None else w_last0 if ll == 0 else t_last[ll]
            if prior + w_first + w_last + after_names < floor:
                return None
            # date of birth (`_dob_level`)
            y = b["dob"]
            if not ad or not y:
                ld = None
            elif ad == y:
                ld = 0
            elif a_year == y[:4] and a_month == y[8:10] and a_day == y[5:7]:
                ld = 1
            elif levenshtein(ad, y) <= 1:
                ld = 2
            elif a_year == y[:4]:
                ld = 3
            elif a_md == y[5:] and abs(a_year_n - int(y[:4])) <= 1:
                ld = 2
            else:
                ld = 4
            w_dob = 0.0 if ld is None else t_dob[ld]
            if prior + w_first + w_last + w_dob + after_dob < floor:
                return None
            # the household rule (`PersonModel.explain`): the shared surname, phone and address of
            # relatives do not count when both the given name and the date of birth disagree
            household = (lf == 4 and ld in (None, 3, 4)) or (lf in (3, 4) and ld == 4)
            total = prior
            if lf is not None:
                total += w_first
            if ll is not None:
                total += 0.0 if household and w_last > 0 else w_last
            if ld is not None:
                total += w_dob
            y = b["sex"]
            if asx and y:
                total += t_sex[0 if asx == y else 1]
            ys = b["phones"]
            if phones and ys:
                if not phone_set.isdisjoint(ys):
                    w = t_phone[0]
                else:
                    w = t_phone[2 if tails.isdisjoint([q[-7:] for q in ys]) else 1]
                total += 0.0 if household and w > 0 else w
            ys = b["emails"]
            if emails and ys:
                if not email_set.isdisjoint(ys):
                    total += t_email[0]
                else:
                    total += t_email[2 if users.isdisjoint([e.partition("@")[0] for e in ys]) else 1]
            y, yz = b["addr"], b["zip"]
            if (addr or zip_code) and (y or yz):
                if addr and (addr == y or y and street == y.partition("|")[0]):
                    w = t_addr[0]
                else:
                    w = t_addr[1 if zip_code and zip_code == yz else 2]
                total += 0.0 if household and w > 0 else w
            y = b["dl"]
            if dl and y:
                total += t_dl[0 if dl == y else 1]
            return total

        def best(profiles: Sequence[dict], floor: float = -math.inf) -> tuple[float, dict] | None:
            found = None
            for p in profiles:
                w = score(p, floor)
                # a bound may let a profile below the floor be scored in full: it is still left. The
                # first of equals is kept: a later profile must beat it, and one that only reaches
                # it is scored in full, then left
                if w is not None and w >= floor and (found is None or w > found[0]):
                    found = (w, p)
                    floor = w
            return found

        return best

    return against
