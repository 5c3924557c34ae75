"""Paging helpers shared by the collectors."""

from __future__ import annotations

import queue
import threading
from typing import Iterator, TypeVar

Item = TypeVar("Item")
POLL_SECONDS = 0.1  # how soon a waiting worker notices that the consumer has gone


def read_ahead(items: Iterator[Item]) -> Iterator[Item]:
    """The same items in the same order, the next one produced by a worker thread meanwhile.

    For pages on a network: once this page is taken, the worker requests and downloads the next
    one while this one is parsed and stored; never more than one page ahead. An error of `items`
    arrives in its place, after the items before it. Once the consumer stops (or closes this
    generator), the worker asks for no further item.
    """
    handoff: queue.Queue = queue.Queue(maxsize=1)
    taken = threading.Semaphore(0)
    consumer_gone = threading.Event()

    def hand_over(kind: str, item=None) -> bool:
        """Put the item in the slot and wait until the consumer takes it; False if it has gone."""
        handoff.put((kind, item))  # the slot is empty: the previous item was taken
        while not taken.acquire(timeout=POLL_SECONDS):
            if consumer_gone.is_set():
                return False
        return True

    def produce() -> None:
        try:
            for item in items:
                if not hand_over("item", item):
                    return
            hand_over("end")
        except BaseException as error:  # handed to the consumer, which raises it
            hand_over("error", error)

    threading.Thread(target=produce, name="read-ahead", daemon=True).start()
    try:
        while True:
            kind, item = handoff.get()
            taken.release()
            if kind == "end":
                return
            if kind == "error":
                try:
                    raise item
                finally:
                    del item  # else the error's traceback holds this frame, and this frame the error
            yield item
    finally:
        consumer_gone.set()
