"""APScheduler 3 twin of scripts/bench/schedule.ts: hyper's model.

AsyncIOScheduler, one IntervalTrigger job per network (interval, jitter,
max_instances 1, first run spread over the jitter), each run putting its network
on an asyncio.Queue that 8 workers drain with one aiohttp session, fetching and
parsing the feed. The job waits until its fetch is done, so max_instances 1
skips a run whose previous one is still queued or running (as Spoke does).

Usage: python schedule_apscheduler.py NETWORKS WARM_S WINDOW_S PORT [INTERVAL JITTER WORKERS]
Prints "ready" once every job is added, then, after WARM_S + WINDOW_S, one JSON
line with drift and queue-wait samples (ms) of the runs that started inside the
window.
"""

import asyncio
import json
import random
import sys
import time
from datetime import datetime, timedelta, timezone

import aiohttp
from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, EVENT_JOB_SUBMITTED
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger


async def main() -> None:
    networks, warm, window, port = (int(arg) for arg in sys.argv[1:5])
    interval, jitter, workers = (int(arg) for arg in (sys.argv[5:8] or ["60", "5", "8"]))
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
    due: dict[str, float] = {}
    drift: list[float] = []
    wait: list[float] = []
    counts = {"executions": 0, "errors": 0, "missed": 0, "skipped": 0}
    ready_at = 0.0

    def in_window(now: float) -> bool:
        return warm <= now - ready_at < warm + window

    def on_event(event) -> None:
        if event.code == EVENT_JOB_SUBMITTED:
            # The due time APScheduler computed, jitter included.
            due[event.job_id] = event.scheduled_run_times[-1].timestamp()
        elif event.code == EVENT_JOB_MISSED:
            counts["missed"] += 1
        else:
            counts["skipped"] += 1

    async def run(key: str) -> None:
        now = time.time()
        due_at = due.pop(key, None)
        if due_at is not None and in_window(now):
            drift.append((now - due_at) * 1000)
        done = loop.create_future()
        queue.put_nowait((key, time.perf_counter(), done))
        await done

    async def worker() -> None:
        url = f"http://127.0.0.1:{port}"
        while True:
            key, queued_at, done = await queue.get()
            started = time.perf_counter()
            if in_window(time.time()):
                wait.append((started - queued_at) * 1000)
                counts["executions"] += 1
            try:
                async with session.get(f"{url}/{key}/station_status.json") as response:
                    await response.json()
            except Exception:  # noqa: BLE001 - a failed fetch is counted, not fatal
                counts["errors"] += 1
            finally:
                done.set_result(None)
                queue.task_done()

    scheduler = AsyncIOScheduler()
    scheduler.add_listener(on_event, EVENT_JOB_SUBMITTED | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    start = datetime.now(timezone.utc)
    for index in range(networks):
        key = f"bench::net-{index}"
        scheduler.add_job(
            run,
            IntervalTrigger(seconds=interval, jitter=jitter),
            args=[key],
            id=key,
            max_instances=1,
            # Spread the first runs over the jitter, as Spoke's run_at_start does.
            next_run_time=start + timedelta(seconds=random.random() * jitter),
        )
    scheduler.start()
    ready_at = time.time()
    print("ready", flush=True)
    await asyncio.sleep(warm + window)
    scheduler.shutdown(wait=False)
    for task in tasks:
        task.cancel()
    await session.close()
    print(json.dumps({"drift": drift, "wait": wait, **counts}), flush=True)


asyncio.run(main())
