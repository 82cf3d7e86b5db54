"""The staffing optimiser: who fills which engagement role, and why (pure; no Django).

A problem is a pool of people (skill levels, availability per calendar week as a fraction of a
full week, a cost per full-time week, location, on-site/remote, languages, own staff or
ecosystem) and open roles (skill, minimum level, share of a week, a period of weeks, on site,
language, engagement). Roles may be split between people and a person may work on several
roles and engagements at once (fractional allocation), never above their availability in any
week. Locked allocations are kept as they are and use up availability, budget and role share.

The mixed-integer programme, for each candidate pair p = (person i, role r):

- ``x_p`` ∈ [0, min(share_r, free availability of i over r's period)] — the share of a week
  i gives to r in every week of r's period (or ``grid`` × an integer when a grid is set);
- ``y_p`` ∈ {0, 1} — i is on r at all; ``min_chunk·y_p ≤ x_p ≤ share_r·y_p``;
- per role: Σ x_p ≤ open share, Σ y_p ≤ ``max_split`` (minus locked people);
- per person and group of weeks with the same set of candidate roles: Σ x_p ≤ the lowest free
  availability in those weeks (this is the "never above availability in any week" rule);
- per engagement: Σ cost_p·x_p ≤ the budget left after locked allocations.

Maximise Σ weeks_r · x_p · (fill + fit·fit_p + continuity·[i already on the engagement]
− cost·cost_i/cost_scale) − split·Σ y_p, with HiGHS (``scipy.optimize.milp``). Candidates are
pruned to the ``top_k`` best per role before solving (the unpruned model stalls at scale); the
bound and gap are those of the pruned model. HiGHS first solves the LP relaxation, which is
rounded down to a feasible proposal; when that is within ``mip_rel_gap`` of the LP bound it is
the answer (HiGHS' own MIP heuristics take much longer to find as good a solution at 5,000 × 500),
otherwise the MIP runs for the rest of the time limit and the better of the two is kept. A
greedy baseline on the same values is there for comparison, and every allocation and every
unfilled role is explained.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

EPS = 1e-9

# Reasons a role (or part of it) stays unfilled, most fundamental first.
NO_SKILL = "no_skill"
ONSITE = "onsite"
LANGUAGE = "language"
AVAILABILITY = "availability"
TAKEN = "taken"
BUDGET = "budget"
COST = "cost"
SPLIT = "split"
REASONS = {
    NO_SKILL: "no one has the skill at the minimum level",
    ONSITE: "no one qualified can work on site",
    LANGUAGE: "no one qualified speaks the language",
    AVAILABILITY: "no one qualified is available in the period",
    TAKEN: "the qualified people's time in the period goes to other roles",
    BUDGET: "the engagement's budget is used up",
    COST: "the qualified people cost more than the role is worth",
    SPLIT: "the role may not be split between more people",
}


@dataclass(frozen=True)
class Person:
    key: str
    skills: Mapping[str, int]
    availability: Sequence[float]  # per week of the calendar, 0..1 of a full week
    cost_rate: float = 0.0  # cost of one full-time week
    location: str = ""
    remote: bool = True
    onsite: bool = True
    languages: frozenset[str] = frozenset()
    own: bool = True  # employed by the orchestrator (False: ecosystem)
    name: str = ""


@dataclass(frozen=True)
class Role:
    key: str
    skill: str
    min_level: int
    share: float  # of a full week, in every week of the period
    start_week: int  # index into the calendar
    end_week: int  # exclusive
    engagement: str = ""
    onsite: bool = False
    location: str = ""
    language: str = ""
    name: str = ""
    skill_name: str = ""  # shown in explanations instead of the skill key

    @property
    def weeks(self) -> int:
        return max(0, self.end_week - self.start_week)


@dataclass(frozen=True)
class Locked:
    role: str
    person: str
    share: float


@dataclass(frozen=True)
class Settings:
    fill: float = 2.0  # value of one share-week filled at all
    fit: float = 0.5  # extra value at two or more levels above the minimum
    continuity: float = 0.3  # extra value for someone already on the engagement
    cost: float = 0.5  # weight of cost relative to cost_scale
    split: float = 0.002  # per person on a role: a tie-breaker for fewer, larger pieces
    cost_scale: float | None = None  # default: median cost rate of the pool
    top_k: int = 20
    min_chunk: float = 0.1
    max_split: int = 3
    grid: float | None = None  # shares in multiples of this (None: continuous)
    time_limit: float = 60.0
    mip_rel_gap: float = 0.005
    log: bool = False  # HiGHS progress on stdout


@dataclass
class Problem:
    people: Sequence[Person]
    roles: Sequence[Role]
    locked: Sequence[Locked] = ()
    budgets: Mapping[str, float] = field(default_factory=dict)  # engagement -> cost budget
    continuity: Mapping[str, frozenset[str] | set[str]] = field(default_factory=dict)
    calendar_start: date | None = None  # Monday of week 0, for explanations

    @property
    def n_weeks(self) -> int:
        lengths = [len(person.availability) for person in self.people]
        return max(lengths, default=0)


@dataclass
class Allocation:
    role: str
    person: str
    share: float
    value: float  # objective contribution (without the split penalty)
    cost: float
    locked: bool = False
    own: bool = True
    explanation: str = ""


@dataclass
class Unfilled:
    role: str
    missing: float  # share of a week not covered
    reason: str
    message: str
    cross_training: list[str] = field(default_factory=list)  # one level short, available
    needs_ecosystem: bool = True


@dataclass
class Result:
    method: str
    status: str
    allocations: list[Allocation]
    unfilled: list[Unfilled]
    objective: float
    bound: float | None
    gap: float | None
    seconds: float
    candidates: int
    suggestions: list[dict] = field(default_factory=list)
    external_needed: bool = False

    def by_role(self) -> dict[str, list[Allocation]]:
        out: dict[str, list[Allocation]] = defaultdict(list)
        for allocation in self.allocations:
            out[allocation.role].append(allocation)
        return out


# ---------------------------------------------------------------------------- the pool


class Pool:
    """The problem as arrays: levels, availability, masks and values, shared by all methods."""

    def __init__(self, problem: Problem, settings: Settings):
        self.problem = problem
        self.settings = settings
        people = list(problem.people)
        self.people = people
        self.roles = list(problem.roles)
        self.person_index = {person.key: i for i, person in enumerate(people)}
        self.role_index = {role.key: j for j, role in enumerate(self.roles)}
        n, weeks = (
            len(people),
            max(problem.n_weeks, max((r.end_week for r in self.roles), default=0)),
        )
        self.n_weeks = weeks
        skills = sorted({s for p in people for s in p.skills} | {r.skill for r in self.roles})
        self.skill_index = {s: k for k, s in enumerate(skills)}
        levels = np.zeros((n, len(skills)), dtype=np.int8)
        for i, person in enumerate(people):
            for skill, level in person.skills.items():
                levels[i, self.skill_index[skill]] = level
        self.levels = levels
        availability = np.zeros((n, weeks), dtype=float)
        for i, person in enumerate(people):
            values = np.asarray(person.availability, dtype=float)
            availability[i, : len(values)] = np.clip(values, 0.0, 1.0)
        self.availability = availability
        self.cost = np.array([max(0.0, p.cost_rate) for p in people], dtype=float)
        positive = self.cost[self.cost > 0]
        scale = settings.cost_scale or (float(np.median(positive)) if positive.size else 1.0)
        self.cost_scale = scale or 1.0
        self.onsite_ok = np.array([p.onsite for p in people], dtype=bool)
        self.location = np.array([p.location for p in people], dtype=object)
        self.own = np.array([p.own for p in people], dtype=bool)
        languages = sorted({lang for p in people for lang in p.languages})
        self.language_index = {lang: k for k, lang in enumerate(languages)}
        speaks = np.zeros((n, len(languages)), dtype=bool)
        for i, person in enumerate(people):
            for lang in person.languages:
                speaks[i, self.language_index[lang]] = True
        self.speaks = speaks

        # Locked allocations use up availability, role share, split slots and budget.
        self.free = availability.copy()
        self.open_share = np.array([r.share for r in self.roles], dtype=float)
        self.locked_count = np.zeros(len(self.roles), dtype=int)
        self.budget_left = {e: float(b) for e, b in problem.budgets.items()}
        self.locked: list[Allocation] = []
        for lock in problem.locked:
            if lock.role not in self.role_index or lock.person not in self.person_index:
                raise ValueError(f"locked allocation {lock} names an unknown role or person")
            j, i = self.role_index[lock.role], self.person_index[lock.person]
            role = self.roles[j]
            self.free[i, role.start_week : role.end_week] -= lock.share
            self.open_share[j] -= lock.share
            self.locked_count[j] += 1
            cost = self.cost[i] * lock.share * role.weeks
            if role.engagement in self.budget_left:
                self.budget_left[role.engagement] -= cost
            self.locked.append(
                Allocation(
                    role=role.key,
                    person=lock.person,
                    share=lock.share,
                    value=self.unit_value(i, j) * lock.share * role.weeks,
                    cost=cost,
                    locked=True,
                    own=bool(self.own[i]),
                    explanation="Locked by the engagement lead; kept as it is.",
                )
            )
        self.open_share = np.maximum(self.open_share, 0.0)

    # values ------------------------------------------------------------------------------

    def fit_score(self, i: int, j: int) -> float:
        role = self.roles[j]
        level = int(self.levels[i, self.skill_index[role.skill]])
        return min(max(level - role.min_level, 0), 2) / 2.0

    def on_engagement(self, i: int, j: int) -> bool:
        role = self.roles[j]
        return self.people[i].key in self.problem.continuity.get(role.engagement, ())

    def unit_value(self, i: int, j: int) -> float:
        """Objective value of one share-week of person i on role j."""
        s = self.settings
        return (
            s.fill
            + s.fit * self.fit_score(i, j)
            + (s.continuity if self.on_engagement(i, j) else 0.0)
            - s.cost * self.cost[i] / self.cost_scale
        )

    def unit_values(self, j: int, idx: np.ndarray) -> np.ndarray:
        s = self.settings
        role = self.roles[j]
        level = self.levels[idx, self.skill_index[role.skill]].astype(float)
        fit = np.clip(level - role.min_level, 0, 2) / 2.0
        team = self.problem.continuity.get(role.engagement, ())
        cont = np.array([self.people[i].key in team for i in idx], dtype=float)
        return (
            s.fill + s.fit * fit + s.continuity * cont - s.cost * self.cost[idx] / self.cost_scale
        )

    # eligibility -------------------------------------------------------------------------

    def masks(self, j: int) -> dict[str, np.ndarray]:
        """Cumulative masks of who passes each rule for role j, in the order of REASONS."""
        role = self.roles[j]
        level = self.levels[:, self.skill_index[role.skill]]
        skill = level >= role.min_level
        onsite = skill.copy()
        if role.onsite:
            onsite &= self.onsite_ok
            if role.location:
                onsite &= self.location == role.location
        language = onsite.copy()
        if role.language:
            k = self.language_index.get(role.language)
            language &= self.speaks[:, k] if k is not None else False
        period = self.availability[:, role.start_week : role.end_week]
        available = language & (period.min(axis=1) >= self.chunk(j) - EPS if role.weeks else False)
        free = self.free[:, role.start_week : role.end_week]
        unused = available & (free.min(axis=1) >= self.chunk(j) - EPS if role.weeks else False)
        return {
            NO_SKILL: skill,
            ONSITE: onsite,
            LANGUAGE: language,
            AVAILABILITY: available,
            "free": unused,
            "short": (level == role.min_level - 1),
        }

    def chunk(self, j: int) -> float:
        s = self.settings
        share = self.roles[j].share
        step = s.grid if s.grid else s.min_chunk
        return min(max(s.min_chunk, step), share) if share > 0 else 0.0

    def candidates(self, j: int, top_k: int | None) -> tuple[np.ndarray, np.ndarray]:
        """People eligible for role j (skill, on-site, language, free time), best first."""
        if self.open_share[j] < self.chunk(j) - EPS or self.open_share[j] <= EPS:
            return np.zeros(0, dtype=int), np.zeros(0)
        idx = np.flatnonzero(self.masks(j)["free"])
        if idx.size == 0:
            return idx, np.zeros(0)
        values = self.unit_values(j, idx)
        keep = values > EPS
        idx, values = idx[keep], values[keep]
        if top_k is not None and idx.size > top_k:
            part = np.argpartition(-values, top_k - 1)[:top_k]
            idx, values = idx[part], values[part]
        order = np.lexsort((idx, -values))
        return idx[order], values[order]

    def upper(self, i: int, j: int) -> float:
        role = self.roles[j]
        cap = min(self.open_share[j], float(self.free[i, role.start_week : role.end_week].min()))
        if self.settings.grid:
            cap = math.floor(cap / self.settings.grid + EPS) * self.settings.grid
        return max(cap, 0.0)

    def week_label(self, week: int) -> str:
        start = self.problem.calendar_start
        if start is None:
            return f"week {week}"
        monday = start + timedelta(weeks=week)
        return monday.isoformat()


# ---------------------------------------------------------------------------- explanations


def _fmt_share(share: float) -> str:
    return f"{share:.0%}"


def explain_allocation(pool: Pool, i: int, j: int, share: float) -> str:
    role, person = pool.roles[j], pool.people[i]
    level = int(pool.levels[i, pool.skill_index[role.skill]])
    period = pool.free[i, role.start_week : role.end_week]
    parts = [
        f"{role.skill_name or role.skill} level {level} (role needs {role.min_level})",
        f"fit {pool.fit_score(i, j):.1f}",
        f"{_fmt_share(share)} of a week from {pool.week_label(role.start_week)}"
        f" for {role.weeks} week(s); free at least {_fmt_share(float(period.min()))}"
        " in every week",
        f"cost {pool.cost[i]:,.0f} per full week ({pool.cost[i] / pool.cost_scale:.2f}× the"
        " pool's median)",
    ]
    if pool.on_engagement(i, j):
        parts.append("already on this engagement")
    if role.onsite:
        parts.append(f"can work on site{' in ' + role.location if role.location else ''}")
    if role.language:
        parts.append(f"speaks {role.language}")
    parts.append("own staff" if person.own else "from the ecosystem")
    return "; ".join(parts) + "."


def explain_unfilled(pool: Pool, j: int, missing: float, alloc_free: np.ndarray) -> Unfilled:
    """Why `missing` of role j is not covered: the first rule that leaves no one."""
    role = pool.roles[j]
    masks = pool.masks(j)
    qualified = int(masks[NO_SKILL].sum())
    short_mask = masks["short"].copy()
    if role.onsite:
        short_mask &= pool.onsite_ok
        if role.location:
            short_mask &= pool.location == role.location
    if role.language:
        k = pool.language_index.get(role.language)
        short_mask &= pool.speaks[:, k] if k is not None else False
    period = pool.availability[:, role.start_week : role.end_week]
    if role.weeks:
        short_mask &= period.min(axis=1) >= pool.chunk(j) - EPS
    short_idx = np.flatnonzero(short_mask)
    if short_idx.size:
        short_idx = short_idx[np.argsort(-period[short_idx].min(axis=1), kind="stable")]
    cross = [pool.people[i].key for i in short_idx[:5]]
    if qualified == 0:
        reason = NO_SKILL
        message = f"No one has {role.skill_name or role.skill} at level {role.min_level} or above"
    elif not masks[ONSITE].any():
        reason = ONSITE
        where = f" in {role.location}" if role.location else ""
        message = (
            f"{qualified} have {role.skill_name or role.skill} at level, but none can work on"
            f" site{where}"
        )
    elif not masks[LANGUAGE].any():
        reason = LANGUAGE
        message = f"{int(masks[ONSITE].sum())} qualify, but none speaks {role.language}"
    elif not masks[AVAILABILITY].any():
        reason = AVAILABILITY
        message = (
            f"{int(masks[LANGUAGE].sum())} qualify, but none is available"
            f" {_fmt_share(pool.chunk(j))} of a week or more in every week from"
            f" {pool.week_label(role.start_week)} for {role.weeks} week(s)"
        )
    else:
        eligible = masks[AVAILABILITY]
        free_after = alloc_free[:, role.start_week : role.end_week].min(axis=1)
        still_free = np.flatnonzero(eligible & (free_after >= pool.chunk(j) - EPS))
        values = pool.unit_values(j, still_free) if still_free.size else np.zeros(0)
        budget = pool.budget_left.get(role.engagement)
        if still_free.size == 0:
            reason = TAKEN
            message = (
                f"{int(eligible.sum())} qualify and are available, but their time in the"
                " period is allocated to other roles"
            )
        elif (values <= EPS).all():
            reason = COST
            message = "The qualified people with free time cost more than the role is worth"
        elif budget is not None:
            reason = BUDGET
            message = "The engagement's budget does not cover more of this role"
        else:
            reason = SPLIT
            message = (
                f"The role is already split between the most people allowed"
                f" ({pool.settings.max_split})"
            )
    message += f"; {_fmt_share(missing)} of a week is not covered."
    if cross:
        message += f" {len(cross)} one level short could be cross-trained."
    return Unfilled(role=role.key, missing=missing, reason=reason, message=message,
                    cross_training=cross)  # fmt: skip


# ---------------------------------------------------------------------------- results


def _finish(
    pool: Pool,
    method: str,
    status: str,
    chosen: list[tuple[int, int, float]],
    objective: float,
    bound: float | None,
    seconds: float,
    candidates: int,
) -> Result:
    allocations = list(pool.locked)
    free = pool.free.copy()
    filled = np.zeros(len(pool.roles))
    for i, j, share in chosen:
        role = pool.roles[j]
        free[i, role.start_week : role.end_week] -= share
        filled[j] += share
        allocations.append(
            Allocation(
                role=role.key,
                person=pool.people[i].key,
                share=share,
                value=pool.unit_value(i, j) * share * role.weeks,
                cost=float(pool.cost[i] * share * role.weeks),
                own=bool(pool.own[i]),
                explanation=explain_allocation(pool, i, j, share),
            )
        )
    unfilled = []
    suggestions = []
    for j, role in enumerate(pool.roles):
        missing = pool.open_share[j] - filled[j]
        if missing > 1e-6:
            item = explain_unfilled(pool, j, float(missing), free)
            unfilled.append(item)
            suggestions.extend(
                {"kind": "cross_training", "role": role.key, "person": key,
                 "skill": role.skill, "to_level": role.min_level}
                for key in item.cross_training
            )  # fmt: skip
            suggestions.append({
                "kind": "ecosystem", "role": role.key, "skill": role.skill,
                "min_level": role.min_level, "share": float(missing), "reason": item.reason,
            })  # fmt: skip
    gap = None
    if bound is not None:
        gap = max(0.0, (bound - objective) / max(abs(bound), EPS)) if bound > EPS else 0.0
    return Result(
        method=method,
        status=status,
        allocations=allocations,
        unfilled=unfilled,
        objective=objective,
        bound=bound,
        gap=gap,
        seconds=seconds,
        candidates=candidates,
        suggestions=suggestions,
        external_needed=bool(unfilled),
    )


def objective_of(pool: Pool, chosen: Sequence[tuple[int, int, float]]) -> float:
    split = pool.settings.split
    total = 0.0
    for i, j, share in chosen:
        if share > EPS:
            total += pool.unit_value(i, j) * share * pool.roles[j].weeks - split
    return total


# ---------------------------------------------------------------------------- MILP


def solve(problem: Problem, settings: Settings | None = None) -> Result:
    """The MILP proposal (HiGHS through scipy.optimize.milp)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_array

    settings = settings or Settings()
    started = time.perf_counter()
    pool = Pool(problem, settings)
    pairs_i: list[int] = []
    pairs_j: list[int] = []
    values: list[float] = []
    uppers: list[float] = []
    for j in range(len(pool.roles)):
        idx, vals = pool.candidates(j, settings.top_k)
        for i, value in zip(idx.tolist(), vals.tolist(), strict=True):
            cap = pool.upper(i, j)
            if cap < pool.chunk(j) - EPS:
                continue
            pairs_i.append(i)
            pairs_j.append(j)
            values.append(value * pool.roles[j].weeks)
            uppers.append(cap)
    n = len(pairs_i)
    if n == 0:
        return _finish(pool, "milp", "optimal", [], 0.0, 0.0, time.perf_counter() - started, 0)
    grid = settings.grid
    unit = grid or 1.0  # x = unit * q; q integer when a grid is set
    # variables: q_0..q_{n-1}, y_0..y_{n-1}
    c = np.concatenate([-np.asarray(values) * unit, np.full(n, settings.split)])
    upper_q = np.asarray(uppers) / unit
    if grid:
        upper_q = np.floor(upper_q + EPS)
    lb = np.zeros(2 * n)
    ub = np.concatenate([upper_q, np.ones(n)])
    integrality = np.concatenate([np.full(n, 1 if grid else 0), np.ones(n)])

    rows: list[int] = []
    cols: list[int] = []
    data: list[float] = []
    lo: list[float] = []
    hi: list[float] = []

    def add_row(entries: list[tuple[int, float]], low: float, high: float) -> None:
        r = len(lo)
        for col, val in entries:
            rows.append(r)
            cols.append(col)
            data.append(val)
        lo.append(low)
        hi.append(high)

    pair_j = np.asarray(pairs_j)
    pair_i = np.asarray(pairs_i)
    for p in range(n):
        j = pairs_j[p]
        # x_p <= ub_p * y_p and x_p >= chunk * y_p
        add_row([(p, unit), (n + p, -uppers[p])], -np.inf, 0.0)
        add_row([(p, unit), (n + p, -pool.chunk(j))], 0.0, np.inf)
    by_role: dict[int, list[int]] = defaultdict(list)
    for p, j in enumerate(pairs_j):
        by_role[j].append(p)
    for j, ps in by_role.items():
        if sum(uppers[p] for p in ps) > pool.open_share[j] + EPS:
            add_row([(p, unit) for p in ps], -np.inf, float(pool.open_share[j]))
        slots = settings.max_split - int(pool.locked_count[j])
        if len(ps) > slots:
            add_row([(n + p, 1.0) for p in ps], -np.inf, float(max(slots, 0)))
    # availability: per person, per group of weeks with the same candidate roles
    by_person: dict[int, list[int]] = defaultdict(list)
    for p, i in enumerate(pairs_i):
        by_person[i].append(p)
    for i, ps in by_person.items():
        if len(ps) < 2:
            continue  # the variable's own upper bound already respects every week
        groups: dict[frozenset[int], float] = {}
        weeks: dict[int, list[int]] = defaultdict(list)
        for p in ps:
            role = pool.roles[pairs_j[p]]
            for w in range(role.start_week, role.end_week):
                weeks[w].append(p)
        for w, active in weeks.items():
            if len(active) < 2:
                continue
            key = frozenset(active)
            free = float(pool.free[i, w])
            groups[key] = min(groups.get(key, np.inf), free)
        for key, free in groups.items():
            if sum(uppers[p] for p in key) <= free + EPS:
                continue
            add_row([(p, unit) for p in sorted(key)], -np.inf, max(free, 0.0))
    # budget per engagement
    by_engagement: dict[str, list[int]] = defaultdict(list)
    for p, j in enumerate(pairs_j):
        by_engagement[pool.roles[j].engagement].append(p)
    for engagement, ps in by_engagement.items():
        if engagement not in pool.budget_left:
            continue
        entries = [
            (p, unit * float(pool.cost[pair_i[p]]) * pool.roles[pair_j[p]].weeks) for p in ps
        ]
        left = max(pool.budget_left[engagement], 0.0)
        add_row(entries, -np.inf, left)

    matrix = coo_array((data, (rows, cols)), shape=(len(lo), 2 * n)).tocsr()
    constraints = LinearConstraint(matrix, np.asarray(lo), np.asarray(hi))

    def shares_of(values: np.ndarray) -> list[float]:
        out = []
        for p in range(n):
            share = float(values[p] * unit)
            if grid:
                share = round(math.floor(share / grid + 1e-6) * grid, 10)
            else:  # down to a millionth of a week, so that rounding never breaks a limit
                share = math.floor(share * 1e6 + 1e-3) / 1e6
            out.append(share)
        return out

    # 1. The LP relaxation, rounded down: every row is "≤" with non-negative coefficients, so
    # lowering shares keeps it feasible; pieces under the minimum chunk and the smallest
    # pieces beyond the split limit are dropped. Its bound is at least the MIP's.
    relaxed = milp(
        c, constraints=constraints, integrality=np.zeros(2 * n), bounds=Bounds(lb, ub),
        options={"time_limit": settings.time_limit, "disp": settings.log},
    )  # fmt: skip
    best: list[tuple[int, int, float]] = []
    lp_bound = None
    if relaxed.x is not None:
        lp_bound = -float(relaxed.fun)
        shares = shares_of(relaxed.x[:n])
        for j, ps in by_role.items():
            slots = max(settings.max_split - int(pool.locked_count[j]), 0)
            kept = [p for p in ps if shares[p] >= pool.chunk(j) - EPS]
            kept.sort(key=lambda p: (-shares[p], p))
            best.extend((pairs_i[p], j, shares[p]) for p in kept[:slots])
    best_objective = objective_of(pool, best)
    if lp_bound is not None and lp_bound - best_objective <= settings.mip_rel_gap * abs(lp_bound):
        proven = lp_bound - best_objective <= 1e-9 * max(1.0, abs(lp_bound))
        return _finish(
            pool, "milp", "optimal" if proven else "lp_rounding", best, best_objective,
            max(lp_bound, best_objective),
            time.perf_counter() - started, n,
        )  # fmt: skip

    # 2. The MIP, for what is left of the time.
    remaining = max(1.0, settings.time_limit - (time.perf_counter() - started))
    res = milp(
        c,
        constraints=constraints,
        integrality=integrality,
        bounds=Bounds(lb, ub),
        options={
            "time_limit": remaining,
            "mip_rel_gap": settings.mip_rel_gap,
            "disp": settings.log,
        },
    )
    bound = lp_bound
    status = "lp_rounding"
    if res.x is not None:
        shares = shares_of(res.x[:n])
        y = res.x[n:]
        chosen = [
            (pairs_i[p], pairs_j[p], shares[p]) for p in range(n) if shares[p] > EPS and y[p] > 0.5
        ]
        objective = objective_of(pool, chosen)
        if objective >= best_objective:
            best, best_objective = chosen, objective
            status = {0: "optimal", 1: "time_limit"}.get(res.status, "feasible")
    dual = getattr(res, "mip_dual_bound", None)
    if dual is not None and np.isfinite(dual):
        bound = -float(dual) if bound is None else min(bound, -float(dual))
    if bound is None:
        raise RuntimeError(f"the staffing MILP found no solution: {res.message}")
    bound = max(bound, best_objective)
    return _finish(
        pool, "milp", status, best, best_objective, bound, time.perf_counter() - started, n
    )


# ---------------------------------------------------------------------------- greedy


def greedy(problem: Problem, settings: Settings | None = None) -> Result:
    """Baseline: best value per share-week first, as much as each pair allows."""
    settings = settings or Settings()
    started = time.perf_counter()
    pool = Pool(problem, settings)
    pairs: list[tuple[float, int, int]] = []
    for j in range(len(pool.roles)):
        idx, vals = pool.candidates(j, None)
        pairs.extend((float(v), int(i), j) for i, v in zip(idx, vals, strict=True))
    pairs.sort(key=lambda t: (-t[0], t[2], t[1]))
    free = pool.free.copy()
    open_share = pool.open_share.copy()
    slots = settings.max_split - pool.locked_count
    budget = dict(pool.budget_left)
    chosen: list[tuple[int, int, float]] = []
    for _value, i, j in pairs:
        role = pool.roles[j]
        if slots[j] <= 0 or open_share[j] < pool.chunk(j) - EPS:
            continue
        share = min(open_share[j], float(free[i, role.start_week : role.end_week].min()))
        cost_per_share = pool.cost[i] * role.weeks
        if role.engagement in budget and cost_per_share > 0:
            share = min(share, max(budget[role.engagement], 0.0) / cost_per_share)
        if settings.grid:
            share = math.floor(share / settings.grid + EPS) * settings.grid
        if share < pool.chunk(j) - EPS:
            continue
        share = round(share, 10)
        chosen.append((i, j, share))
        free[i, role.start_week : role.end_week] -= share
        open_share[j] -= share
        slots[j] -= 1
        if role.engagement in budget:
            budget[role.engagement] -= cost_per_share * share
    objective = objective_of(pool, chosen)
    return _finish(
        pool, "greedy", "heuristic", chosen, objective, None, time.perf_counter() - started,
        len(pairs),
    )  # fmt: skip


# ---------------------------------------------------------------------------- checks


def violations(problem: Problem, allocations: Sequence[Allocation], tol: float = 1e-6) -> list[str]:
    """Every rule an allocation set breaks (empty when it is feasible)."""
    people = {p.key: p for p in problem.people}
    roles = {r.key: r for r in problem.roles}
    out: list[str] = []
    load: dict[str, np.ndarray] = {}
    role_total: dict[str, float] = defaultdict(float)
    spend: dict[str, float] = defaultdict(float)
    for a in allocations:
        person, role = people.get(a.person), roles.get(a.role)
        if person is None or role is None:
            out.append(f"{a.role}/{a.person}: unknown role or person")
            continue
        if a.share <= 0:
            out.append(f"{a.role}/{a.person}: share {a.share} is not positive")
        level = person.skills.get(role.skill, 0)
        if not a.locked and level < role.min_level:
            out.append(f"{a.role}/{a.person}: level {level} < {role.min_level}")
        if (
            not a.locked
            and role.onsite
            and (not person.onsite or (role.location and person.location != role.location))
        ):
            out.append(f"{a.role}/{a.person}: cannot work on site")
        if not a.locked and role.language and role.language not in person.languages:
            out.append(f"{a.role}/{a.person}: does not speak {role.language}")
        n = max(problem.n_weeks, role.end_week)
        arr = load.setdefault(a.person, np.zeros(n))
        if arr.size < n:
            arr = load[a.person] = np.pad(arr, (0, n - arr.size))
        arr[role.start_week : role.end_week] += a.share
        role_total[a.role] += a.share
        spend[role.engagement] += person.cost_rate * a.share * role.weeks
    for key, arr in load.items():
        avail = np.zeros(arr.size)
        values = np.asarray(people[key].availability, dtype=float)[: arr.size]
        avail[: values.size] = values
        over = np.flatnonzero(arr > avail + tol)
        if over.size:
            w = int(over[0])
            out.append(f"{key}: {arr[w]:.2f} allocated in week {w}, available {avail[w]:.2f}")
    for key, total in role_total.items():
        if total > roles[key].share + tol:
            out.append(f"{key}: {total:.2f} allocated, role needs {roles[key].share:.2f}")
    for engagement, budget in problem.budgets.items():
        if spend.get(engagement, 0.0) > budget * (1 + 1e-9) + tol:
            out.append(f"{engagement}: cost {spend[engagement]:.2f} over budget {budget:.2f}")
    return out
