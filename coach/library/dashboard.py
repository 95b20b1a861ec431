"""The coaching dashboard's numbers: per rep and ISO week (Monday start, local time) the
calls, connects, talk ratio, flags per call by kind, questions per call and qualification
coverage, plus totals for the period. Averages and per-call rates are over connected calls,
the conversations coaching is about.
"""

from __future__ import annotations

from sqlite_utils import Database


def default_rep(reps: list[str], own: str) -> str:
    """Whose calls the dashboard opens on: the rep's own when the library holds only theirs
    (calls with no rep name are theirs from before they set it); '' (every rep) when other
    reps' calls are here, e.g. an imported team, or when no rep name is set."""
    own = own.strip()
    return own if own and own in reps and all(r == own for r in reps) else ""


def _rep_period(rep: str, since: float | None, until: float | None) -> tuple[str, list]:
    """rep '' means every rep, calls without a rep name included."""
    where, params = (["c.rep = ?"], [rep]) if rep else (["1 = 1"], [])
    if since is not None:
        where.append("c.started_at >= ?")
        params.append(since)
    if until is not None:
        where.append("c.started_at < ?")
        params.append(until)
    return " AND ".join(where), params


_WEEK = "date(c.started_at, 'unixepoch', 'localtime', 'weekday 0', '-6 days')"


def dashboard(
    db: Database, rep: str, since: float | None = None, until: float | None = None
) -> dict:
    """Per-week trends for one rep ('' = every rep): list of weeks (oldest first) plus totals
    for the period."""
    cond, params = _rep_period(rep, since, until)
    weeks: dict[str, dict] = {}
    for row in db.execute(
        f"SELECT {_WEEK} AS week, COUNT(*), SUM(c.connected_at IS NOT NULL),"
        " AVG(CASE WHEN c.connected_at IS NOT NULL THEN m.talk_ratio END),"
        " AVG(CASE WHEN c.connected_at IS NOT NULL AND m.call_id IS NOT NULL"
        "     THEN COALESCE(m.questions_open, 0) + COALESCE(m.questions_closed, 0) END),"
        " AVG(CASE WHEN c.connected_at IS NOT NULL AND m.qualification_total > 0"
        "     THEN 1.0 * m.qualification_covered / m.qualification_total END)"
        f" FROM call_history_v c LEFT JOIN call_metrics m ON m.call_id = c.id WHERE {cond}"
        " GROUP BY week ORDER BY week",
        params,
    ):
        weeks[row[0]] = {
            "week": row[0],
            "calls": row[1],
            "connects": row[2] or 0,
            "talk_ratio": row[3],
            "questions_per_call": row[4],
            "qualification_coverage": row[5],
            "flags_per_call": {},
        }
    for week, kind, n in db.execute(
        f"SELECT {_WEEK} AS week, f.kind, COUNT(*) FROM call_history_v c"
        f" JOIN flags f ON f.call_id = c.id WHERE {cond} GROUP BY week, f.kind",
        params,
    ):
        w = weeks.get(week)
        if w is not None:
            w["flags_per_call"][kind] = n / max(1, w["connects"])
    series = list(weeks.values())
    connects = sum(w["connects"] for w in series)

    def wavg(key: str) -> float | None:
        pairs = [(w[key], w["connects"]) for w in series if w[key] is not None]
        total = sum(n for _, n in pairs)
        return sum(v * n for v, n in pairs) / total if total else None

    flag_totals: dict[str, float] = {}
    for w in series:
        for kind, per in w["flags_per_call"].items():
            flag_totals[kind] = flag_totals.get(kind, 0.0) + per * max(1, w["connects"])
    return {
        "rep": rep,
        "since": since,
        "until": until,
        "weeks": series,
        "totals": {
            "calls": sum(w["calls"] for w in series),
            "connects": connects,
            "talk_ratio": wavg("talk_ratio"),
            "questions_per_call": wavg("questions_per_call"),
            "qualification_coverage": wavg("qualification_coverage"),
            "flags_per_call": {k: v / max(1, connects) for k, v in sorted(flag_totals.items())},
        },
    }
