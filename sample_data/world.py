"""A deterministic simulation of the app's users and their conversations.

Realistic, not uniform: user intensity is heavy-tailed (log-normal, plus a few
power users), activity follows a daily rhythm in each user's local time and a
weekly one, conversation length and token counts have long tails, later turns
carry more context, and prompt caching applies to some of them. Every random
draw comes from one seeded generator, so the same arguments give the same data.

The simulation is generated day by day, so a 90-day, 10-million-turn sample
never has to fit in memory at once. Every source writer renders the same
simulated people, so their ids, devices and addresses agree across sources.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

# (country, weight, UTC offset in hours, coarse region the app reports, edge locations)
COUNTRIES = [
    ("US", 34, -6, "us-east", ("IAD", "ATL", "DFW", "ORD", "JFK")),
    ("US", 12, -8, "us-west", ("SEA", "SFO", "LAX", "PDX")),
    ("GB", 10, 0, "eu-west", ("LHR", "MAN")),
    ("IN", 9, 5.5, "ap-south", ("BOM", "DEL", "MAA")),
    ("DE", 7, 1, "eu-central", ("FRA", "MUC")),
    ("CA", 6, -5, "us-east", ("YTO", "YUL")),
    ("AU", 5, 10, "ap-southeast", ("SYD", "MEL")),
    ("BR", 4, -3, "sa-east", ("GRU",)),
    ("FR", 4, 1, "eu-west", ("CDG", "MRS")),
    ("NG", 3, 1, "eu-west", ("LOS",)),
    ("JP", 3, 9, "ap-northeast", ("NRT", "KIX")),
    ("PH", 2, 8, "ap-southeast", ("MNL",)),
    ("MX", 1, -6, "us-west", ("MEX", "QRO")),
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
PLANS = [("free", 78), ("plus", 18), ("pro", 4)]
FIRST_NAMES = [
    "Alex",
    "Sam",
    "Priya",
    "Jordan",
    "Mei",
    "Tomás",
    "Aisha",
    "Lukas",
    "Chloé",
    "Kenji",
    "Ngozi",
    "Maria",
]

# Real user-agent strings per device class, so ua-parser has something true to parse.
USER_AGENTS = {
    "mobile": [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.122 Mobile Safari/537.36",
        "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Linux; Android 13; moto g(60)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.6422.165 Mobile Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
    ],
    "desktop": [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87",
    ],
    "tablet": [
        "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.122 Safari/537.36",
    ],
}

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


class Choice:
    """A weighted choice with the cumulative weights computed once."""

    def __init__(self, options: Sequence[tuple]):
        self.values = [option[0] for option in options]
        self.cumulative = list(itertools.accumulate(option[1] for option in options))

    def __call__(self, rng: random.Random):
        return rng.choices(self.values, cum_weights=self.cumulative)[0]


COUNTRY_CHOICE = Choice([(row, row[1]) for row in COUNTRIES])
DEVICE_CHOICE = Choice(DEVICES)
AGE_CHOICE = Choice(AGE_BANDS)
PLAN_CHOICE = Choice(PLANS)
MODEL_CHOICE = Choice(MODELS)
PRICED_MODEL_CHOICE = Choice(MODELS[:4])
ROUTE_CHOICE = Choice(ROUTES)
HOUR_CHOICE = Choice(list(zip(range(24), HOURLY_RHYTHM, strict=True)))
AGE_YEARS = {
    "18-24": (18, 24),
    "25-34": (25, 34),
    "35-44": (35, 44),
    "45-54": (45, 54),
    "55-64": (55, 64),
    "65+": (65, 85),
}


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
    edges: tuple[str, ...]
    device: str
    user_agent: str
    ip: str
    age_band: str | None
    birth_year: int | None
    plan: str
    email: str
    display_name: str
    locale: str
    intensity: float  # expected sessions per active day, heavy-tailed
    activity: float  # probability of being active on a given day
    favourite_model: str
    mood: float  # baseline sentiment in [-1, 1]
    deleted_at: datetime | None = None

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
    sentiment: float
    status: int = 200  # HTTP status the app answered


@dataclass
class Conversation:
    raw_id: str
    user: User
    started_at: datetime
    turns: list[Turn] = field(default_factory=list)
    feedback_rating: int | None = None
    feedback_comment: str | None = None

    @property
    def cid(self) -> str:
        return sha256_hex(self.raw_id)

    @property
    def ended_at(self) -> datetime:
        return self.turns[-1].at if self.turns else self.started_at


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
        country, _, offset, region, edges = COUNTRY_CHOICE(rng)
        # A third signed up before the sample window, the rest during it.
        window = self.days * 86_400
        signup_offset = (
            rng.uniform(-4 * window, 0) if rng.random() < 0.35 else rng.uniform(0, window)
        )
        window_start = datetime.combine(self.start, datetime.min.time(), UTC)
        signup_at = window_start + timedelta(seconds=signup_offset)
        # Log-normal intensity: most users light, a few heavy; 3% power users on top.
        intensity = rng.lognormvariate(-0.4, 0.9)
        if rng.random() < 0.03:
            intensity *= rng.uniform(6, 12)
        device = DEVICE_CHOICE(rng)
        age_band = AGE_CHOICE(rng)
        birth_year = None
        if age_band is not None:
            low, high = AGE_YEARS[age_band]
            birth_year = self.start.year - rng.randint(low, high)
        if rng.random() < 0.9:
            ip = f"{rng.choice((24, 73, 81, 102, 151, 176, 203))}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        else:
            ip = f"2a02:{rng.randint(0, 0xFFFF):x}:{rng.randint(0, 0xFFFF):x}::{rng.randint(1, 0xFFFF):x}"
        name = rng.choice(FIRST_NAMES)
        deleted_at = None
        if rng.random() < 0.01:
            deleted_at = max(signup_at, window_start) + timedelta(seconds=rng.uniform(3600, window))
        return User(
            number=number,
            raw_id=self._uuid(),
            signup_at=signup_at,
            country=country,
            utc_offset=offset,
            region=region,
            edges=edges,
            device=device,
            user_agent=rng.choice(USER_AGENTS[device]),
            ip=ip,
            age_band=age_band,
            birth_year=birth_year,
            plan=PLAN_CHOICE(rng),
            email=f"{name.lower()}.{number}@example.com",
            display_name=name,
            locale={
                "US": "en-US",
                "GB": "en-GB",
                "DE": "de-DE",
                "FR": "fr-FR",
                "BR": "pt-BR",
                "JP": "ja-JP",
                "MX": "es-MX",
            }.get(country, "en"),
            intensity=intensity,
            activity=min(0.95, 0.08 + rng.betavariate(1.4, 3.0)),
            favourite_model=PRICED_MODEL_CHOICE(rng),
            mood=max(-0.8, min(0.8, rng.gauss(0.1, 0.3))),
            deleted_at=deleted_at,
        )

    def iter_days(self) -> Iterator[tuple[date, list[Conversation]]]:
        """(day, conversations started that day), in time order within the day."""
        for offset in range(self.days):
            day = self.start + timedelta(days=offset)
            conversations: list[Conversation] = []
            weekday = WEEKDAY_FACTOR[day.weekday()]
            day_start = datetime.combine(day, datetime.min.time(), UTC)
            day_end = day_start + timedelta(days=1)
            for user in self.users:
                if user.signup_at >= day_end or (user.deleted_at and user.deleted_at < day_start):
                    continue
                if self.rng.random() > user.activity * weekday:
                    continue
                sessions = self._poisson(user.intensity * weekday)
                for _ in range(max(1, sessions)):
                    started = self._session_start(user, day_start)
                    if started < user.signup_at:
                        started = user.signup_at + timedelta(minutes=self.rng.uniform(1, 30))
                    if user.deleted_at and started >= user.deleted_at:
                        continue
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
        local_hour = HOUR_CHOICE(self.rng)
        utc_hour = (local_hour - user.utc_offset) % 24
        seconds = utc_hour * 3600 + self.rng.uniform(0, 3600)
        return day_start + timedelta(seconds=seconds % 86_400)

    def _conversation(self, user: User, started: datetime) -> Conversation:
        rng = self.rng
        conversation = Conversation(raw_id=self._uuid(), user=user, started_at=started)
        # Turns per conversation: log-normal, median ~6, a long tail past 60.
        length = max(1, min(200, round(rng.lognormvariate(1.8, 0.8))))
        model = user.favourite_model if rng.random() < 0.8 else MODEL_CHOICE(rng)
        route = ROUTE_CHOICE(rng)
        at = started
        context = SYSTEM_PROMPT_TOKENS
        cached = 0
        # Prompt caching: the first turn writes the cache, later turns read what is
        # already cached; about one conversation in three runs without it.
        uses_cache = rng.random() < 0.65
        mood = user.mood + rng.gauss(0, 0.25)
        for index in range(length):
            if rng.random() < 0.05:
                model = MODEL_CHOICE(rng)
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
            mood += rng.gauss(0.01, 0.12)
            sentiment = max(
                -1.0, min(1.0, mood - {"high": 1.0, "medium": 0.6, "low": 0.3, None: 0.0}[crisis])
            )
            status = 200
            if rng.random() < 0.006:
                status = rng.choice((429, 500, 502, 504))
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
                    sentiment=round(sentiment, 3),
                    status=status,
                )
            )
            context += user_tokens + tokens_out
            at += timedelta(milliseconds=latency) + timedelta(seconds=rng.lognormvariate(3.5, 0.8))
        if rng.random() < 0.08:
            conversation.feedback_rating = max(1, min(5, round(3.6 + mood * 2 + rng.gauss(0, 0.8))))
            if rng.random() < 0.5:
                conversation.feedback_comment = rng.choice(
                    ["This helped me a lot today, thank you.", "Felt a bit repetitive.",
                     "I liked how it listened. My number is +1 415 555 0100 if you want to follow up.",
                     "Too slow to answer.", "Exactly what I needed"]
                )  # fmt: skip
        return conversation
