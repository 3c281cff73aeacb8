"""A deterministic simulation of the app's users and their conversations.

Realistic, not uniform: user intensity is heavy-tailed (log-normal, plus a few
power users), activity follows a daily rhythm in each user's local time and a
weekly one, conversation length and token counts have long tails, later turns
carry more context, and prompt caching applies to some of them. Every random
draw comes from one seeded generator, so the same arguments give the same data.

The simulation is generated day by day, so a 90-day, 10-million-turn sample
never has to fit in memory at once.
"""

from __future__ import annotations

import hashlib
import math
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

# (country, weight, UTC offset in hours, coarse region the app reports)
COUNTRIES = [
    ("US", 34, -6, "us-east"),
    ("US", 12, -8, "us-west"),
    ("GB", 10, 0, "eu-west"),
    ("IN", 9, 5.5, "ap-south"),
    ("DE", 7, 1, "eu-central"),
    ("CA", 6, -5, "us-east"),
    ("AU", 5, 10, "ap-southeast"),
    ("BR", 4, -3, "sa-east"),
    ("FR", 4, 1, "eu-west"),
    ("NG", 3, 1, "eu-west"),
    ("JP", 3, 9, "ap-northeast"),
    ("PH", 2, 8, "ap-southeast"),
    ("MX", 1, -6, "us-west"),
]
DEVICES = [("mobile", 62), ("desktop", 32), ("tablet", 6)]
AGE_BANDS = [
    ("18-24", 24),
    ("25-34", 33),
    ("35-44", 20),
    ("45-54", 11),
    ("55-64", 6),
    ("65+", 3),
    (None, 3),
]

# Model mix over every model in seeds/pricing.csv, plus a retired model the price
# list does not know, so the "unknown model" path is exercised.
MODELS = [
    ("us.anthropic.claude-sonnet-4-6", 66.0),
    ("anthropic.claude-haiku-4-5-20251001-v1:0", 18.0),
    ("anthropic.claude-opus-4-6-v1", 9.0),
    ("anthropic.claude-opus-4-7", 6.7),
    ("anthropic.claude-3-5-sonnet-20240620-v1:0", 0.3),
]
ROUTES = [("/invoke", 88), ("/invoke/stream", 10), ("/summarise", 2)]
SYSTEM_PROMPT_TOKENS = 1800

# Share of sessions by local hour: quiet at night, peaks at lunch and in the evening.
HOURLY_RHYTHM = [
    0.6, 0.35, 0.2, 0.15, 0.15, 0.25, 0.6, 1.2, 1.6, 1.7, 1.7, 1.8,
    2.0, 1.9, 1.7, 1.6, 1.6, 1.8, 2.1, 2.5, 2.8, 2.7, 2.0, 1.2,
]  # fmt: skip
WEEKDAY_FACTOR = [1.0, 1.02, 1.0, 0.98, 0.92, 1.15, 1.22]  # Monday .. Sunday


def _weighted(rng: random.Random, options):
    values = [option[0] for option in options]
    weights = [option[1] for option in options]
    return rng.choices(values, weights)[0]


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class User:
    number: int
    raw_id: str
    signup_at: datetime
    country: str
    utc_offset: float
    region: str
    device: str
    age_band: str | None
    intensity: float  # expected sessions per active day, heavy-tailed
    activity: float  # probability of being active on a given day
    favourite_model: str

    @property
    def uid(self) -> str:
        """The id the app emits: sha256 of the raw id."""
        return sha256_hex(self.raw_id)


@dataclass
class Turn:
    at: datetime
    turn_index: int
    model_id: str
    route: str
    tokens_in: int
    tokens_out: int
    tokens_cache_read: int
    tokens_cache_write: int
    latency_ms: int
    crisis_flag: str | None
    request_id: str


@dataclass
class Conversation:
    raw_id: str
    user: User
    started_at: datetime
    turns: list[Turn] = field(default_factory=list)

    @property
    def cid(self) -> str:
        return sha256_hex(self.raw_id)


class World:
    """Users and their day-by-day conversations for ``days`` days from ``start``."""

    def __init__(self, *, users: int = 1000, days: int = 30, start: date, seed: int = 7):
        if users < 1 or days < 1:
            raise ValueError("users and days must be at least 1")
        self.seed = seed
        self.start = start
        self.days = days
        self.rng = random.Random(seed)
        self.users = [self._make_user(number) for number in range(users)]

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.days - 1)

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _make_user(self, number: int) -> User:
        rng = self.rng
        country_row = rng.choices(COUNTRIES, [row[1] for row in COUNTRIES])[0]
        # A third signed up before the sample window, the rest during it.
        window = self.days * 86_400
        signup_offset = (
            rng.uniform(-4 * window, 0) if rng.random() < 0.35 else rng.uniform(0, window)
        )
        signup_at = datetime.combine(self.start, datetime.min.time(), UTC) + timedelta(
            seconds=signup_offset
        )
        # Log-normal intensity: most users light, a few heavy; 3% power users on top.
        intensity = rng.lognormvariate(-0.4, 0.9)
        if rng.random() < 0.03:
            intensity *= rng.uniform(6, 12)
        return User(
            number=number,
            raw_id=self._uuid(),
            signup_at=signup_at,
            country=country_row[0],
            utc_offset=country_row[2],
            region=country_row[3],
            device=_weighted(rng, DEVICES),
            age_band=_weighted(rng, AGE_BANDS),
            intensity=intensity,
            activity=min(0.95, 0.08 + rng.betavariate(1.4, 3.0)),
            favourite_model=_weighted(rng, MODELS[:4]),
        )

    def iter_days(self) -> Iterator[tuple[date, list[Conversation]]]:
        """(day, conversations started that day), in time order within the day."""
        for offset in range(self.days):
            day = self.start + timedelta(days=offset)
            conversations: list[Conversation] = []
            weekday = WEEKDAY_FACTOR[day.weekday()]
            day_start = datetime.combine(day, datetime.min.time(), UTC)
            for user in self.users:
                if user.signup_at >= day_start + timedelta(days=1):
                    continue
                if self.rng.random() > user.activity * weekday:
                    continue
                sessions = self._poisson(user.intensity * weekday)
                for _ in range(max(1, sessions)):
                    started = self._session_start(user, day_start)
                    if started < user.signup_at:
                        started = user.signup_at + timedelta(minutes=self.rng.uniform(1, 30))
                    conversations.append(self._conversation(user, started))
            conversations.sort(key=lambda conversation: conversation.started_at)
            yield day, conversations

    def _poisson(self, mean: float) -> int:
        # Knuth's method is fine for the small means used here.
        limit, count, product = math.exp(-mean), 0, self.rng.random()
        while product > limit:
            count += 1
            product *= self.rng.random()
        return count

    def _session_start(self, user: User, day_start: datetime) -> datetime:
        local_hour = self.rng.choices(range(24), HOURLY_RHYTHM)[0]
        utc_hour = (local_hour - user.utc_offset) % 24
        seconds = utc_hour * 3600 + self.rng.uniform(0, 3600)
        return day_start + timedelta(seconds=seconds % 86_400)

    def _conversation(self, user: User, started: datetime) -> Conversation:
        rng = self.rng
        conversation = Conversation(raw_id=self._uuid(), user=user, started_at=started)
        # Turns per conversation: log-normal, median ~6, a long tail past 60.
        length = max(1, min(200, round(rng.lognormvariate(1.8, 0.8))))
        model = user.favourite_model if rng.random() < 0.8 else _weighted(rng, MODELS)
        route = _weighted(rng, ROUTES)
        at = started
        context = SYSTEM_PROMPT_TOKENS
        cached = 0
        # Prompt caching: the first turn writes the cache, later turns read what is
        # already cached; about one conversation in three runs without it.
        uses_cache = rng.random() < 0.65
        for index in range(length):
            if rng.random() < 0.05:
                model = _weighted(rng, MODELS)
            user_tokens = max(3, round(rng.lognormvariate(4.0, 1.0)))
            tokens_out = max(1, min(8192, round(rng.lognormvariate(5.4, 0.7))))
            if uses_cache and index == 0:
                cache_write, cache_read = context, 0
                tokens_in = user_tokens
            elif uses_cache:
                cache_read = cached
                cache_write = context - cached
                tokens_in = user_tokens
            else:
                cache_read = cache_write = 0
                tokens_in = context + user_tokens
            cached = context if uses_cache else 0
            latency = round(
                350 * (3.0 if "opus" in model else 1.0 if "sonnet" in model else 0.45)
                + tokens_out * rng.uniform(8, 22)
                + rng.expovariate(1 / 120)
            )
            roll = rng.random()
            crisis = (
                "high"
                if roll < 0.0008
                else "medium"
                if roll < 0.004
                else "low"
                if roll < 0.02
                else None
            )
            conversation.turns.append(
                Turn(
                    at=at,
                    turn_index=index,
                    model_id=model,
                    route=route,
                    tokens_in=tokens_in,
                    tokens_out=tokens_out,
                    tokens_cache_read=cache_read,
                    tokens_cache_write=cache_write,
                    latency_ms=latency,
                    crisis_flag=crisis,
                    request_id=self._uuid(),
                )
            )
            context += user_tokens + tokens_out
            at += timedelta(milliseconds=latency) + timedelta(seconds=rng.lognormvariate(3.5, 0.8))
        return conversation
