"""Paging helpers shared by the collectors."""

from __future__ import annotations

import queue
import threading
from typing import Iterator, TypeVar

Item = TypeVar("Item")


def read_ahead(items: Iterator[Item]) -> Iterator[Item]:
    """The same items in the same order, the next one produced by a worker thread meanwhile.

    For pages on a network: the next page is requested and downloaded while this one is parsed and
    stored. An error of `items` arrives in its place, after the items before it; once the consumer
    stops (or closes this generator), the worker stops at its next item.
    """
    handoff: queue.Queue = queue.Queue(maxsize=1)
    consumer_gone = threading.Event()

    def hand_over(kind: str, item=None) -> bool:
        while not consumer_gone.is_set():
            try:
                handoff.put((kind, item), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

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
