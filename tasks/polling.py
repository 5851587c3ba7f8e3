"""Carrying a lifecycle forward while Partner Central's task runs: the task
re-queues itself with the countdown its command's `Step` gives, so no
worker ever waits on AWS (workers.sync.lifecycle.next_poll)."""

from __future__ import annotations

from celery import Task

from workers.sync.lifecycle import Step


def poll_again(task: Task, step: Step, args: tuple, kwargs: dict, poll_round: int) -> str:
    """Queue the next poll of `task` when `step` asks for one; the step's outcome."""
    if step.poll_in is not None:
        task.apply_async(args, {**kwargs, "poll_round": poll_round + 1}, countdown=step.poll_in)
    return step.outcome
