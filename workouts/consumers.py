"""The live session socket, `/ws/workouts/<id>/` (API.md, WebSocket): a snapshot, then every numbered
event of the workout, a replay of what a reconnecting device missed, heartbeats, and the two commands
a device sends while training (log a set, start a rest timer) through the same services as REST.

Each socket keeps a cursor: every event up to `last_sent_seq` has reached it, by the snapshot, live
or by a replay. Live frames at or below the cursor are dropped; a live frame beyond the next number
means an earlier broadcast is late or lost, and the gap is read from the event log instead. Events
commit in `seq` order (they are numbered under the workout's row lock), so whatever a live frame
follows is already in the database.
"""

import asyncio
import contextlib
import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from django.db import DatabaseError
from rest_framework import serializers
from rest_framework.utils.encoders import JSONEncoder

from fitai.consumers import CLOSE_NOT_FOUND, BaseConsumer
from fitai.errors import DomainError, NotFoundError
from workouts import selectors, services
from workouts.models import Workout, WorkoutEvent
from workouts.serializers import LoggedSetInputSerializer, WorkoutSerializer

logger = logging.getLogger(__name__)

GROUP_EVENT = "workout.event"


class SetLogFrame(serializers.Serializer):
    exercise_index = serializers.IntegerField(min_value=0, max_value=49)
    set_index = serializers.IntegerField(min_value=0, max_value=999)
    set = LoggedSetInputSerializer()
    client_id = serializers.UUIDField(required=False, allow_null=True)


class RestStartFrame(serializers.Serializer):
    seconds = serializers.IntegerField(min_value=5, max_value=900)
    exercise_index = serializers.IntegerField(min_value=0, max_value=49, required=False, allow_null=True)


class ResumeFrame(serializers.Serializer):
    last_seq = serializers.IntegerField(min_value=0)

    def validate_last_seq(self, value: Any) -> int:
        # IntegerField would take "3" and 3.0; a client that sends those has a bug worth hearing about.
        if type(self.initial_data.get("last_seq")) is not int:
            raise serializers.ValidationError("A whole number is required.")
        return value


def _snapshot(user, workout_pk: int) -> dict[str, Any] | None:
    workout = selectors.with_document(selectors.workouts_of(user=user)).filter(pk=workout_pk).first()
    if workout is None:
        return None
    return {"type": "snapshot", "seq": workout.last_seq, "data": WorkoutSerializer(workout).data}


def _events_after(workout_pk: int, seq: int) -> list[dict[str, Any]]:
    """The stored events after `seq`, in order; refuse a `seq` the workout has not reached."""
    last_seq = _last_seq(workout_pk)
    if last_seq is None:
        raise NotFoundError("No such workout.")
    if seq > last_seq:
        raise DomainError(
            f"The workout is at seq {last_seq}; last_seq cannot be ahead.", code="invalid_last_seq"
        )
    rows = WorkoutEvent.objects.filter(workout_id=workout_pk, seq__gt=seq).order_by("seq")
    return [{"seq": row.seq, "type": row.type, "data": row.data} for row in rows]


def _last_seq(workout_pk: int) -> int | None:
    return Workout.objects.filter(pk=workout_pk).values_list("last_seq", flat=True).first()


class WorkoutConsumer(BaseConsumer):
    """One device of the workout's owner: snapshot, numbered events, resume, heartbeats, commands."""

    heartbeat_seconds: float = 25.0

    workout: Workout
    sending: asyncio.Lock
    # Every event in (sent_from, last_sent_seq] has been sent on this socket.
    sent_from: int = 0
    last_sent_seq: int = 0

    @classmethod
    async def encode_json(cls, content: Any) -> str:
        # DRF's encoder, so the snapshot's decimals and dates look as they do over REST.
        return json.dumps(content, cls=JSONEncoder)

    async def get_groups(self) -> list[str]:
        # Sends from the heartbeat task and from the handlers must not interleave with a replay.
        self.sending = asyncio.Lock()
        self.workout = await database_sync_to_async(selectors.workout_get_for_user)(
            user=self.scope["user"], workout_id=self.scope["url_route"]["kwargs"]["workout_id"]
        )
        return [services.group(self.workout)]

    async def on_connect(self) -> None:
        # Read after joining the group: an event committed later is either in the snapshot or on
        # its way to this socket, never in neither.
        snapshot = await database_sync_to_async(_snapshot)(self.scope["user"], self.workout.pk)
        if snapshot is None:  # Deleted between the permission check and now.
            await super().disconnect(CLOSE_NOT_FOUND)
            self.groups_joined = []
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.sent_from = self.last_sent_seq = snapshot["seq"]
        await self.send_json(snapshot)
        self.heartbeat = asyncio.create_task(self._beat())

    async def disconnect(self, code: int) -> None:
        heartbeat = getattr(self, "heartbeat", None)
        if heartbeat is not None:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        await super().disconnect(code)

    # --- Events out ---------------------------------------------------------------------------------

    async def realtime_event(self, event: dict[str, Any]) -> None:
        """Forward a numbered workout event as `{seq, type, data}`, once and in order."""
        if event.get("event") != GROUP_EVENT:
            await super().realtime_event(event)
            return
        frame = event["data"]
        async with self.sending:
            if frame["seq"] <= self.last_sent_seq:
                return
            if frame["seq"] > self.last_sent_seq + 1:
                await self._send_from_log(self.last_sent_seq)
            if frame["seq"] > self.last_sent_seq:  # Only if the log lags its own broadcast.
                await self._send_event(frame)

    async def _send_event(self, frame: dict[str, Any]) -> None:
        await self.send_json(frame)
        self.last_sent_seq = max(self.last_sent_seq, frame["seq"])

    async def _send_from_log(self, after: int) -> None:
        """Send the stored events after `after`, skipping the ones this socket already had."""
        for frame in await database_sync_to_async(_events_after)(self.workout.pk, after):
            if not self.sent_from < frame["seq"] <= self.last_sent_seq:
                await self._send_event(frame)
        self.sent_from = min(self.sent_from, after)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            async with self.sending:
                try:
                    # A broadcast lost on the way (a Redis blip) is healed here, at the latest.
                    last_seq = await database_sync_to_async(_last_seq)(self.workout.pk)
                    if last_seq is not None and last_seq > self.last_sent_seq:
                        await self._send_from_log(self.last_sent_seq)
                except DatabaseError:
                    logger.warning("workout socket heartbeat could not read the event log", exc_info=True)
                await self.send_json({"type": "heartbeat", "seq": self.last_sent_seq})

    # --- Frames in ----------------------------------------------------------------------------------

    async def send_invalid(self, errors: dict[str, Any]) -> None:
        await self.send_json(
            {
                "type": "error",
                "error": {"code": "validation_error", "message": "Invalid frame.", "fields": errors},
            }
        )

    async def handle_resume(self, content: dict[str, Any]) -> None:
        """`{"type": "resume", "last_seq": N}`: every stored event after N, then live ones."""
        frame = ResumeFrame(data=content)
        if not frame.is_valid():
            await self.send_invalid(frame.errors)
            return
        async with self.sending:
            await self._send_from_log(frame.validated_data["last_seq"])

    async def handle_set_log(self, content: dict[str, Any]) -> None:
        """`{"type": "set.log", "exercise_index", "set_index", "set": {...}, "client_id"?}`."""
        frame = SetLogFrame(data=content)
        if not frame.is_valid():
            await self.send_invalid(frame.errors)
            return
        data = dict(frame.validated_data["set"])
        nested_client_id = data.pop("client_id", None)
        client_id = frame.validated_data.get("client_id") or nested_client_id
        await database_sync_to_async(services.set_log)(
            workout=self.workout,
            exercise_index=frame.validated_data["exercise_index"],
            set_index=frame.validated_data["set_index"],
            data=data,
            client_id=client_id,
        )

    async def handle_rest_start(self, content: dict[str, Any]) -> None:
        """`{"type": "rest.start", "seconds", "exercise_index"?}`."""
        frame = RestStartFrame(data=content)
        if not frame.is_valid():
            await self.send_invalid(frame.errors)
            return
        await database_sync_to_async(services.rest_start)(workout=self.workout, **frame.validated_data)
