"""The sentiment panel: how conversations feel, week by week, and the emotions named."""

from __future__ import annotations

from datetime import date, timedelta

from dashboard import charts
from dashboard import formatting as fmt
from dashboard.gold import Gold, latest
from dashboard.html import Html, figure, notice
from dashboard.panels.markup import hidden_reason, panel, people_word, subheading, table_problem
from dashboard.panels.shaping import MIN_COHORT, latest_turn_at


def sentiment_panel(gold: Gold) -> Html:
    weekly = gold["sentiment_weekly"]
    problem = table_problem(weekly, "Sentiment")
    lead = (
        "How people seem to feel, as the chat observer rates each message from \u22121 (very "
        "negative) to +1 (very positive), averaged per person and then per week."
    )
    if problem:
        return panel("sentiment", "Sentiment", lead, None, None, [problem])
    rows = weekly.rows[-26:]
    newest_shown = next((row for row in reversed(rows) if not row["is_suppressed"]), None)
    body: list[object] = []
    if newest_shown is None:
        body.append(
            notice(
                "suppressed",
                f"Every week is hidden: each had fewer than {MIN_COHORT} people observed. "
                "Sentiment appears once a week has enough people.",
            )
        )
    else:
        estimates = [
            charts.Estimate(
                fmt.day_short(row["week_start"]),
                fmt.number(row["mean_sentiment"]),
                fmt.number(row["mean_sentiment_ci_low"]),
                fmt.number(row["mean_sentiment_ci_high"]),
                hidden_reason=hidden_reason(row["suppression_reason"]),
                detail=people_word(row["users"]) if row["users"] is not None else "",
            )
            for row in rows
        ]
        values = [v for e in estimates for v in (e.low, e.high, e.value) if v is not None]
        low = min(-0.25, min(values) - 0.1)
        high = max(0.25, max(values) + 0.1)
        chart = charts.estimates_over_time(
            "sentiment",
            "Mean sentiment per week with its 95% interval",
            estimates,
            fmt.signed,
            y_range=(max(low, -1.0), min(high, 1.0)),
            reference=0.0,
            reference_label="neutral",
            y_title="mean sentiment (\u22121 to +1)",
        )
        body.append(
            figure(
                chart,
                "Each dot is a week (labelled by its Monday, UTC); the bar through it is the 95% "
                "interval. Weeks whose bars overlap are not clearly different. The first and last "
                "week may be partial.",
            )
        )
        body += [subheading("Emotions the observer noted"), emotions(gold)]
    basis = (
        f"Based on {people_word(newest_shown['users'])} "
        f"in the {fmt.week(newest_shown['week_start'])}"
        if newest_shown
        else None
    )
    return panel(
        "sentiment",
        "Sentiment",
        lead,
        basis,
        week_fresh(gold, latest(weekly.rows, "week_start")),
        body,
    )


def week_fresh(gold: Gold, week_start: date | None) -> str | None:
    """``Latest week: 16 Nov to 22 Nov`` (to the latest turn when the week is not over)."""
    if week_start is None:
        return None
    week_end = week_start + timedelta(days=6)
    newest_turn = latest_turn_at(gold)
    if newest_turn is not None and newest_turn.date() == week_start:
        return f"Latest week: only {fmt.day(week_start)} so far"
    if newest_turn is not None and week_start < newest_turn.date() < week_end:
        return f"Latest week: {fmt.day_short(week_start)} to {fmt.day(newest_turn)} (week not over)"
    return f"Latest week: {fmt.day_short(week_start)} to {fmt.day(week_end)}"


def emotions(gold: Gold) -> Html:
    labels = gold["emotions_weekly"]
    problem = table_problem(labels, "Emotions")
    if problem:
        return problem
    weeks = sorted({row["week_start"] for row in labels.rows}, reverse=True)
    week = next(
        (
            w
            for w in weeks
            if any(not r["is_suppressed"] for r in labels.rows if r["week_start"] == w)
        ),
        None,
    )
    if week is None:
        return notice(
            "suppressed",
            "Every emotion label is hidden: each was seen in fewer than "
            f"{MIN_COHORT} people in a week.",
        )
    rows = [row for row in labels.rows if row["week_start"] == week]
    shown = sorted(
        (r for r in rows if not r["is_suppressed"]),
        key=lambda r: -(r["share_of_observations"] or 0),
    )
    hidden = [r for r in rows if r["is_suppressed"]]
    estimates = [
        charts.Estimate(
            row["emotion"],
            fmt.number(row["share_of_observations"]),
            fmt.number(row["share_ci_low"]),
            fmt.number(row["share_ci_high"]),
            detail=people_word(row["users_with_label"]),
        )
        for row in shown
    ]
    chart = charts.estimate_bars(
        "emotions",
        f"Share of observed messages with each emotion, {fmt.week(week)}",
        estimates,
        lambda value: fmt.percent(value, 0),
        value_text=lambda e: f"{fmt.percent(e.value)} ({e.detail})",
        colour=charts.PALETTE[3],
    )
    caption = (
        f"The {fmt.week(week)}, the latest week with a label to show. A message can carry several "
        "emotions, so the shares add up to more than 100%."
    )
    if hidden:
        caption += (
            f" {len(hidden)} label{'s' if len(hidden) > 1 else ''} seen in fewer than {MIN_COHORT} "
            "people are hidden."
        )
    return figure(chart, caption)
