"""DynamoDB stream records of the app's users, conversations and feedback tables.

The users and conversations streams reach S3 through Kinesis Data Streams and
Firehose: one record per line, hourly gzip objects, ``tableName`` set and
``ApproximateCreationDateTime`` in milliseconds. The feedback stream is
written as the Lambda event batches its trigger receives (``{"Records": [...]}``,
seconds). All with ``NEW_AND_OLD_IMAGES``.

The app's tables hold personal data (email, display name, conversation
titles, feedback comments) exactly as a real app's do; the ingest must drop it.
Defects: malformed lines, a new attribute the ingest does not know yet, a
wrongly typed rating, and records Kinesis delivers twice.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from sample_data.files import by_hour, iso_millis, write_gzip
from sample_data.world import Conversation, User

REGION, ACCOUNT = "us-east-1", "123456789012"
TITLES = ["Rough morning", "Thinking about work", "Sleep again", "A good day", "Talking it through"]


def marshal(value: Any) -> dict:
    """A plain value as a DynamoDB typed attribute."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float | Decimal):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list):
        return {"L": [marshal(item) for item in value]}
    if isinstance(value, dict):
        return {"M": {key: marshal(item) for key, item in value.items()}}
    raise TypeError(f"cannot marshal {type(value).__name__}")


def marshal_item(item: dict) -> dict:
    return {key: marshal(value) for key, value in item.items() if value is not None}


class DynamoDbWriter:
    name = "dynamodb"

    def __init__(self, out: Path, seed: int, *, defects: bool = True, users: list[User]):
        self.out = out / "dynamodb"
        self.rng = random.Random(seed * 7919 + 3)
        self.defects = defects
        self.users = users
        self.counts = {
            "files": 0,
            "records": 0,
            "malformed": 0,
            "duplicated": 0,
            "unreadable_files": 0,
            "users": 0,
            "conversations": 0,
            "feedback": 0,
        }
        self.user_state: dict[int, dict] = {}
        self.sequence = 10_000_000_000_000_000_000

    # --- items --------------------------------------------------------------

    def _user_item(self, user: User, last_active: datetime | None) -> dict:
        item = {
            "user_id": user.raw_id,
            "email": user.email,
            "display_name": user.display_name,
            "created_at": iso_millis(user.signup_at),
            "last_active_at": iso_millis(last_active) if last_active else None,
            "country": user.country,
            "birth_year": user.birth_year,
            "plan": user.plan,
            "locale": user.locale,
            "marketing_opt_in": user.number % 3 == 0,
            "consent": {"terms_version": "2026-01", "accepted_at": iso_millis(user.signup_at)},
        }
        if self.defects and user.number % 97 == 5:
            item["referral_code"] = (
                f"FRIEND{user.number:04d}"  # an attribute added by a newer app version
            )
        return item

    def _record(
        self,
        table: str,
        name: str,
        at: datetime,
        keys: dict,
        new: dict | None,
        old: dict | None,
        *,
        lambda_format: bool,
    ) -> dict:
        self.sequence += self.rng.randint(1, 900)
        stream: dict[str, Any] = {"Keys": marshal_item(keys)}
        if new is not None:
            stream["NewImage"] = marshal_item(new)
        if old is not None:
            stream["OldImage"] = marshal_item(old)
        stream["SequenceNumber"] = str(self.sequence)
        stream["SizeBytes"] = len(orjson.dumps(stream))
        record: dict[str, Any] = {
            "awsRegion": REGION,
            "eventID": f"{self.rng.getrandbits(128):032x}",
            "eventName": name,
            "eventSource": "aws:dynamodb",
        }
        if lambda_format:
            stream["ApproximateCreationDateTime"] = int(at.timestamp())
            stream["StreamViewType"] = "NEW_AND_OLD_IMAGES"
            record["eventVersion"] = "1.1"
            record["dynamodb"] = stream
            record["eventSourceARN"] = (
                f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/innerverse-{table}/stream/2026-01-01T00:00:00.000"
            )
        else:
            stream["ApproximateCreationDateTime"] = int(at.timestamp() * 1000)
            stream["ApproximateCreationDateTimePrecision"] = "MILLISECOND"
            record.update(
                {
                    "userIdentity": None,
                    "recordFormat": "application/json",
                    "tableName": f"innerverse-{table}",
                    "dynamodb": stream,
                }
            )
        self.counts[table] += 1
        return record

    # --- a day --------------------------------------------------------------

    def write_day(self, day: date, conversations: list[Conversation]) -> None:
        day_start = datetime.combine(day, time(), UTC)
        users: list[tuple[datetime, dict]] = []
        chats: list[tuple[datetime, dict]] = []
        feedback: list[tuple[datetime, dict]] = []
        seen_today: set[int] = set()
        for conversation in conversations:
            user = conversation.user
            if (
                user.number not in self.user_state
                and day_start <= user.signup_at < day_start + timedelta(days=1)
            ):
                item = self._user_item(user, None)
                users.append(
                    (
                        user.signup_at,
                        self._record(
                            "users",
                            "INSERT",
                            user.signup_at,
                            {"user_id": user.raw_id},
                            item,
                            None,
                            lambda_format=False,
                        ),
                    )
                )
                self.user_state[user.number] = item
            if user.number not in seen_today:
                seen_today.add(user.number)
                old = self.user_state.get(user.number)
                item = self._user_item(user, conversation.started_at)
                users.append(
                    (
                        conversation.started_at,
                        self._record(
                            "users",
                            "MODIFY",
                            conversation.started_at,
                            {"user_id": user.raw_id},
                            item,
                            old,
                            lambda_format=False,
                        ),
                    )
                )
                self.user_state[user.number] = item
            keys = {"conversation_id": conversation.raw_id}
            opened = {"conversation_id": conversation.raw_id, "user_id": user.raw_id, "created_at": iso_millis(conversation.started_at),
                      "updated_at": iso_millis(conversation.started_at), "turn_count": 0, "status": "active",
                      "model_id": conversation.turns[0].model_id, "title": None}  # fmt: skip
            chats.append(
                (
                    conversation.started_at,
                    self._record(
                        "conversations",
                        "INSERT",
                        conversation.started_at,
                        keys,
                        opened,
                        None,
                        lambda_format=False,
                    ),
                )
            )
            ended = {**opened, "updated_at": iso_millis(conversation.ended_at), "turn_count": len(conversation.turns),
                     "title": self.rng.choice(TITLES), "status": "archived" if self.rng.random() < 0.3 else "active"}  # fmt: skip
            chats.append(
                (
                    conversation.ended_at,
                    self._record(
                        "conversations",
                        "MODIFY",
                        conversation.ended_at,
                        keys,
                        ended,
                        opened,
                        lambda_format=False,
                    ),
                )
            )
            if conversation.feedback_rating is not None:
                at = conversation.ended_at + timedelta(seconds=self.rng.uniform(5, 300))
                rating: Any = conversation.feedback_rating
                if self.defects and self.rng.random() < 0.03:
                    rating = "five"  # a client that sent the label instead of the number
                    self.counts["malformed"] += 1
                item = {"feedback_id": f"fb-{self.rng.getrandbits(64):016x}", "user_id": user.raw_id,
                        "conversation_id": conversation.raw_id, "turn_index": len(conversation.turns) - 1,
                        "rating": rating, "comment": conversation.feedback_comment, "created_at": iso_millis(at)}  # fmt: skip
                feedback.append(
                    (
                        at,
                        self._record(
                            "feedback",
                            "INSERT",
                            at,
                            {"feedback_id": item["feedback_id"]},
                            item,
                            None,
                            lambda_format=True,
                        ),
                    )
                )
        for user in self.users:
            if user.deleted_at and day_start <= user.deleted_at < day_start + timedelta(days=1):
                old = self.user_state.get(user.number) or self._user_item(user, None)
                keys = {"user_id": user.raw_id}
                users.append(
                    (
                        user.deleted_at,
                        self._record(
                            "users", "REMOVE", user.deleted_at, keys, None, old, lambda_format=False
                        ),
                    )
                )
        self._write_lines("users", users)
        self._write_lines("conversations", chats)
        self._write_batches("feedback", feedback)

    def _write_lines(self, table: str, records: list[tuple[datetime, dict]]) -> None:
        rng = self.rng
        for hour, pairs in by_hour(records):
            lines = [orjson.dumps(record) for _, record in pairs]
            cut = -1
            if self.defects and rng.random() < 0.02:
                cut = rng.randrange(len(lines))
                lines[cut] = lines[cut][: len(lines[cut]) // 2]  # a record cut mid-write
                self.counts["malformed"] += 1
            intact = [line for position, line in enumerate(lines) if position != cut]
            if self.defects and intact and rng.random() < 0.04:
                lines.append(rng.choice(intact))  # Kinesis delivers at least once
                self.counts["duplicated"] += 1
            if cut >= 0 and len(lines) == 1:
                # Nothing but half a record: one JSON document that does not parse, which
                # the ingest quarantines as an unreadable file, not as a record.
                self.counts["malformed"] -= 1
                self.counts["unreadable_files"] += 1
            else:
                self.counts["records"] += len(lines)
            name = f"innerverse-{table}-stream-1-{hour:%Y-%m-%d-%H-%M-%S}-{rng.getrandbits(128):032x}.gz"
            write_gzip(self.out / table / f"{hour:%Y/%m/%d/%H}" / name, b"\n".join(lines) + b"\n")
            self.counts["files"] += 1

    def _write_batches(self, table: str, records: list[tuple[datetime, dict]]) -> None:
        for hour, pairs in by_hour(records):
            batch = {"Records": [record for _, record in pairs]}
            self.counts["records"] += len(pairs)
            name = f"lambda-event-{hour:%Y-%m-%dT%H}-{self.rng.getrandbits(64):016x}.json"
            path = self.out / table / f"{hour:%Y/%m/%d/%H}" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(orjson.dumps(batch, option=orjson.OPT_INDENT_2))
            self.counts["files"] += 1

    def finish(self) -> dict:
        return dict(self.counts)
