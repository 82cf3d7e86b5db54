"""The staffing optimiser against an exhaustive search, its rules, and its explanations."""

from __future__ import annotations

import itertools
from datetime import date

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecosys.engagements import staffing as s

GRID = 0.25
SETTINGS = s.Settings(grid=GRID, min_chunk=GRID, cost_scale=1000.0, top_k=None, mip_rel_gap=0.0)


def random_problem(seed: int, n_people: int, n_roles: int, weeks: int = 4) -> s.Problem:
    rng = np.random.default_rng(seed)
    skills = ["analytics", "automation", "inventory"]
    people = []
    for k in range(n_people):
        chosen = rng.choice(skills, size=int(rng.integers(1, 3)), replace=False)
        people.append(
            s.Person(
                key=f"p{k}",
                skills={str(x): int(rng.integers(1, 6)) for x in chosen},
                availability=rng.choice([0.0, 0.25, 0.5, 0.75, 1.0], size=weeks),
                cost_rate=float(rng.choice([400, 800, 1200, 2000])),
                location=str(rng.choice(["Berlin", "Lyon"])),
                onsite=bool(rng.random() < 0.7),
                languages=frozenset(rng.choice(["en", "de", "fr"], size=2, replace=False)),
                own=bool(rng.random() < 0.5),
            )
        )
    roles = []
    for r in range(n_roles):
        start = int(rng.integers(0, weeks - 1))
        roles.append(
            s.Role(
                key=f"r{r}",
                skill=str(rng.choice(skills)),
                min_level=int(rng.integers(1, 5)),
                share=float(rng.choice([0.25, 0.5, 0.75])),
                start_week=start,
                end_week=int(rng.integers(start + 1, weeks + 1)),
                engagement=f"e{r % 2}",
                onsite=bool(rng.random() < 0.3),
                location=str(rng.choice(["Berlin", ""])),
                language=str(rng.choice(["", "en", "de"])),
            )
        )
    budgets = {}
    if rng.random() < 0.6:
        budgets = {"e0": float(rng.choice([300, 800, 2000])), "e1": float(rng.choice([500, 5000]))}
    continuity = {"e0": frozenset({"p0", "p1"})} if rng.random() < 0.5 else {}
    return s.Problem(people=people, roles=roles, budgets=budgets, continuity=continuity)


def exhaustive(problem: s.Problem, cfg: s.Settings) -> tuple[float, list]:
    """The optimum over every combination of shares on the grid, computed from scratch."""
    people = list(problem.people)
    roles = list(problem.roles)
    weeks = max(len(p.availability) for p in people)
    free = {p.key: np.asarray(p.availability, dtype=float).copy() for p in people}
    open_share = {r.key: r.share for r in roles}
    slots = {r.key: cfg.max_split for r in roles}
    budget = dict(problem.budgets)
    for lock in problem.locked:
        role = next(r for r in roles if r.key == lock.role)
        person = next(p for p in people if p.key == lock.person)
        free[person.key][role.start_week : role.end_week] -= lock.share
        open_share[role.key] -= lock.share
        slots[role.key] -= 1
        if role.engagement in budget:
            budget[role.engagement] -= person.cost_rate * lock.share * role.weeks

    def value(person: s.Person, role: s.Role) -> float:
        level = person.skills.get(role.skill, 0)
        fit = min(max(level - role.min_level, 0), 2) / 2
        cont = cfg.continuity if person.key in problem.continuity.get(role.engagement, ()) else 0
        return cfg.fill + cfg.fit * fit + cont - cfg.cost * person.cost_rate / cfg.cost_scale

    pairs = []
    for role in roles:
        for person in people:
            if person.skills.get(role.skill, 0) < role.min_level:
                continue
            if role.onsite and not person.onsite:
                continue
            if role.onsite and role.location and person.location != role.location:
                continue
            if role.language and role.language not in person.languages:
                continue
            if value(person, role) <= 0:
                continue
            cap = min(open_share[role.key], free[person.key][role.start_week : role.end_week].min())
            steps = int(np.floor(cap / GRID + 1e-9))
            if steps >= 1:
                pairs.append((person, role, steps))
    best = (0.0, [])
    options = [range(steps + 1) for _, _, steps in pairs]
    for combo in itertools.product(*options):
        load = {p.key: np.zeros(weeks) for p in people}
        per_role = {r.key: 0.0 for r in roles}
        count = {r.key: 0 for r in roles}
        spend = {e: 0.0 for e in budget}
        total = 0.0
        for (person, role, _), k in zip(pairs, combo, strict=True):
            if k == 0:
                continue
            share = k * GRID
            load[person.key][role.start_week : role.end_week] += share
            per_role[role.key] += share
            count[role.key] += 1
            if role.engagement in spend:
                spend[role.engagement] += person.cost_rate * share * role.weeks
            total += value(person, role) * share * role.weeks - cfg.split
        if any((load[p.key] > free[p.key] + 1e-9).any() for p in people):
            continue
        if any(per_role[r.key] > open_share[r.key] + 1e-9 for r in roles):
            continue
        if any(count[r.key] > slots[r.key] for r in roles):
            continue
        if any(spend[e] > budget[e] + 1e-6 for e in budget):
            continue
        if total > best[0] + 1e-9:
            best = (total, combo)
    return best


def small_enough(problem: s.Problem) -> bool:
    pool = s.Pool(problem, SETTINGS)
    combos = 1
    for j in range(len(pool.roles)):
        idx, _ = pool.candidates(j, None)
        for i in idx:
            combos *= int(pool.upper(int(i), j) / GRID + 1e-9) + 1
    return combos <= 60_000


@pytest.mark.parametrize("seed", range(40))
def test_milp_objective_equals_exhaustive_optimum(seed):
    rng = np.random.default_rng(10_000 + seed)
    problem = random_problem(seed, int(rng.integers(4, 7)), int(rng.integers(2, 4)))
    if seed % 4 == 0:  # lock one feasible allocation of a greedy proposal
        first = next((a for a in s.greedy(problem, SETTINGS).allocations), None)
        if first is not None:
            problem.locked = [s.Locked(role=first.role, person=first.person, share=first.share)]
    assert small_enough(problem), "the generator must keep instances exhaustively searchable"
    result = s.solve(problem, SETTINGS)
    optimum, _ = exhaustive(problem, SETTINGS)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(optimum, abs=1e-6)
    assert result.bound == pytest.approx(optimum, abs=1e-4)
    assert s.violations(problem, result.allocations) == []
    # the greedy baseline is feasible and never better than the optimum
    baseline = s.greedy(problem, SETTINGS)
    assert s.violations(problem, baseline.allocations) == []
    assert baseline.objective <= optimum + 1e-6


def test_enough_instances_are_compared():
    compared = 0
    for seed in range(40):
        rng = np.random.default_rng(10_000 + seed)
        problem = random_problem(seed, int(rng.integers(4, 7)), int(rng.integers(2, 4)))
        compared += small_enough(problem)
    assert compared >= 30


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10**6),
    n_people=st.integers(3, 25),
    n_roles=st.integers(1, 8),
    continuous=st.booleans(),
)
def test_rules_are_always_respected(seed, n_people, n_roles, continuous):
    problem = random_problem(seed, n_people, n_roles, weeks=6)
    cfg = s.Settings(cost_scale=1000.0, grid=None if continuous else 0.05, top_k=5)
    for result in (s.solve(problem, cfg), s.greedy(problem, cfg)):
        assert s.violations(problem, result.allocations) == []
        people = {p.key: p for p in problem.people}
        roles = {r.key: r for r in problem.roles}
        filled = {r: 0.0 for r in roles}
        for a in result.allocations:
            person, role = people[a.person], roles[a.role]
            assert person.skills[role.skill] >= role.min_level
            assert a.share >= min(cfg.min_chunk, role.share) - 1e-9
            filled[a.role] += a.share
        for u in result.unfilled:
            assert u.missing == pytest.approx(roles[u.role].share - filled[u.role], abs=1e-5)
            assert u.reason in s.REASONS
        if result.method == "milp":
            assert result.gap is not None and result.gap <= 0.005 + 1e-9


# ------------------------------------------------------------------ explanations


def person(key, level=3, **kw):
    defaults = dict(
        skills={"analytics": level},
        availability=[1.0] * 4,
        cost_rate=1000.0,
        location="Berlin",
        languages=frozenset({"en"}),
    )
    return s.Person(key=key, **{**defaults, **kw})


def role(key="r", **kw):
    defaults = dict(skill="analytics", min_level=3, share=0.5, start_week=0, end_week=4)
    return s.Role(key=key, **{**defaults, **kw})


def run(people, roles, **kw):
    problem = s.Problem(people=people, roles=roles, calendar_start=date(2026, 1, 5), **kw)
    return s.solve(problem, s.Settings(cost_scale=1000.0))


def test_assignment_explains_level_fit_cost_and_availability():
    result = run([person("ana", level=5, cost_rate=500.0)], [role()])
    (a,) = result.allocations
    assert a.share == pytest.approx(0.5)
    assert "analytics level 5 (role needs 3)" in a.explanation
    assert "fit 1.0" in a.explanation
    assert "from 2026-01-05 for 4 week(s)" in a.explanation
    assert "cost 500 per full week" in a.explanation
    assert "own staff" in a.explanation


def test_prefers_fit_continuity_and_lower_cost():
    cheap = person("cheap", cost_rate=500.0)
    dear = person("dear", cost_rate=1500.0)
    (a,) = run([dear, cheap], [role()]).allocations
    assert a.person == "cheap"
    stays = run([dear, cheap], [role(engagement="e")], continuity={"e": {"dear"}})
    # continuity (0.3) does not outweigh a cost difference worth 0.5
    assert stays.allocations[0].person == "cheap"
    close = person("close", cost_rate=800.0)
    stays = run([close, cheap], [role(engagement="e")], continuity={"e": {"close"}})
    assert stays.allocations[0].person == "close"
    assert "already on this engagement" in stays.allocations[0].explanation


@pytest.mark.parametrize(
    ("people", "the_role", "reason"),
    [
        ([person("a", level=2)], role(), s.NO_SKILL),
        ([person("a", onsite=False)], role(onsite=True), s.ONSITE),
        ([person("a", location="Lyon")], role(onsite=True, location="Berlin"), s.ONSITE),
        ([person("a")], role(language="de"), s.LANGUAGE),
        ([person("a", availability=[1, 1, 0, 1])], role(), s.AVAILABILITY),
    ],
)
def test_unfilled_role_says_why(people, the_role, reason):
    result = run(people, [the_role])
    assert result.allocations == []
    (u,) = result.unfilled
    assert u.reason == reason
    assert u.missing == pytest.approx(0.5)
    assert "50% of a week is not covered" in u.message
    assert result.external_needed


def test_taken_budget_and_cost_reasons():
    busy = run([person("a")], [role("r1", share=1.0), role("r2", share=0.5)])
    (u,) = busy.unfilled
    assert u.reason == s.TAKEN
    broke = run([person("a")], [role(engagement="e")], budgets={"e": 1000.0})
    (u,) = broke.unfilled
    assert u.reason == s.BUDGET
    assert broke.allocations[0].share == pytest.approx(0.25)  # 1000 / (1000 × 4 weeks)
    dear = run([person("a", cost_rate=5000.0)], [role()])
    assert dear.unfilled[0].reason == s.COST


def test_cross_training_suggests_people_one_level_short():
    people = [person("short", level=2), person("far", level=1), person("short_de", level=2)]
    result = run(people, [role()])
    (u,) = result.unfilled
    assert u.reason == s.NO_SKILL
    assert sorted(u.cross_training) == ["short", "short_de"]
    kinds = {(x["kind"], x.get("person")) for x in result.suggestions}
    assert ("cross_training", "short") in kinds and ("ecosystem", None) in kinds


def test_fractional_allocation_across_roles_never_exceeds_availability():
    people = [person("a", availability=[0.6, 0.6, 0.6, 0.6]), person("b", level=4)]
    roles = [role("r1", share=0.5), role("r2", share=0.5, end_week=2), role("r3", share=0.4)]
    result = run(people, roles)
    assert s.violations(s.Problem(people=people, roles=roles), result.allocations) == []
    assert sum(a.share for a in result.allocations) == pytest.approx(1.4)


def test_locked_allocations_are_kept_and_use_up_capacity():
    people = [person("a"), person("b", level=5)]
    problem = s.Problem(
        people=people, roles=[role(share=1.0)], locked=[s.Locked(role="r", person="a", share=0.75)]
    )
    result = s.solve(problem, s.Settings(cost_scale=1000.0))
    locked = [a for a in result.allocations if a.locked]
    assert [(a.person, a.share) for a in locked] == [("a", 0.75)]
    others = [a for a in result.allocations if not a.locked]
    assert [(a.person, a.share) for a in others] == [("b", pytest.approx(0.25))]


def test_violations_reports_over_allocation():
    people = [person("a", availability=[0.5] * 4)]
    roles = [role("r1"), role("r2")]
    bad = [
        s.Allocation(role="r1", person="a", share=0.5, value=0, cost=0),
        s.Allocation(role="r2", person="a", share=0.25, value=0, cost=0),
    ]
    problems = s.violations(s.Problem(people=people, roles=roles), bad)
    assert problems == ["a: 0.75 allocated in week 0, available 0.50"]
