"""Chat Sentinel observations: one JSON object per user turn, hourly NDJSON.gz.

The observer (a small model) reads each user turn a few seconds after it and
records sentiment, emotion labels and a crisis level, with its own token
counts. Defects: out-of-range scores, a label outside the vocabulary, a
missing id, a field the schema does not allow (an excerpt of the user's
message: exactly what must never get through), cut lines and duplicates.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

import orjson

from sample_data.files import by_hour, iso_millis, write_gzip
from sample_data.world import Conversation

OBSERVER_MODEL = "anthropic.claude-haiku-4-5-20251001-v1:0"
POSITIVE = ["joy", "gratitude", "hope", "calm", "relief", "curiosity"]
NEGATIVE = ["sadness", "loneliness", "anxiety", "fear", "anger", "frustration", "shame", "grief"]


class SentinelWriter:
    name = "sentinel"

    def __init__(self, out: Path, seed: int, *, defects: bool = True):
        self.out = out / "sentinel"
        self.rng = random.Random(seed * 7919 + 4)
        self.defects = defects
        self.counts = {"files": 0, "observations": 0, "lines": 0, "malformed": 0, "duplicated": 0}

    def _emotions(self, sentiment: float) -> list[str]:
        rng = self.rng
        if abs(sentiment) < 0.15:
            return ["neutral"] if rng.random() < 0.7 else ["neutral", "curiosity"]
        pool = POSITIVE if sentiment > 0 else NEGATIVE
        return sorted(set(rng.sample(pool, k=rng.choice((1, 1, 2, 3)))))

    def _observation(self, conversation: Conversation, turn) -> tuple[datetime, dict]:
        rng = self.rng
        at = turn.at + timedelta(milliseconds=rng.randint(800, 4000))
        return at, {
            "observation_id": f"obs-{rng.getrandbits(96):024x}",
            "uid": conversation.user.uid,
            "cid": conversation.cid,
            "turn_index": turn.turn_index,
            "observed_at": iso_millis(at),
            "sentiment": turn.sentiment,
            "emotions": self._emotions(turn.sentiment),
            "crisis_level": turn.crisis_flag or "none",
            "observer_model_id": OBSERVER_MODEL,
            "observer_tokens_in": rng.randint(450, 1600),
            "observer_tokens_out": rng.randint(30, 110),
        }

    def _defect(self, observation: dict) -> bytes:
        kind = self.rng.randrange(5)
        broken = dict(observation)
        if kind == 0:
            broken["sentiment"] = 1.7
        elif kind == 1:
            broken["emotions"] = ["ennui"]
        elif kind == 2:
            del broken["uid"]
        elif kind == 3:
            broken["message_excerpt"] = "I can't sleep again, my ex keeps texting me"
        else:
            return orjson.dumps(observation)[:-25]
        return orjson.dumps(broken)

    def write_day(self, day: date, conversations: list[Conversation]) -> None:
        rng = self.rng
        observations = [
            self._observation(conversation, turn)
            for conversation in conversations
            for turn in conversation.turns
        ]
        self.counts["observations"] += len(observations)
        for hour, pairs in by_hour(observations):
            lines = []
            for _, observation in pairs:
                if self.defects and rng.random() < 0.005:
                    lines.append(self._defect(observation))
                    self.counts["malformed"] += 1
                else:
                    lines.append(orjson.dumps(observation))
                    if self.defects and rng.random() < 0.003:
                        lines.append(lines[-1])  # written twice after a retry
                        self.counts["duplicated"] += 1
            self.counts["lines"] += len(lines)
            name = (
                f"innerverse-observations-1-{hour:%Y-%m-%d-%H-%M-%S}-{rng.getrandbits(128):032x}.gz"
            )
            write_gzip(self.out / f"{hour:%Y/%m/%d/%H}" / name, b"\n".join(lines) + b"\n")
            self.counts["files"] += 1

    def finish(self) -> dict:
        return dict(self.counts)
