"""runtime.Services: the dispatcher is made once on first use and closed by whoever made it; an injected one
(a test's, an embedder's) is used as it is and left to its owner."""

from __future__ import annotations

from publisher import runtime
from publisher.config import Settings
from publisher.store import Store
from tests.support.factories import RecordingDispatcher


class Closable(RecordingDispatcher):
    def __init__(self) -> None:
        super().__init__()
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


def test_a_made_dispatcher_is_made_once_and_closed_by_close_dispatcher(settings: Settings, store: Store):
    made: list[Closable] = []

    def make(_settings: Settings) -> Closable:
        made.append(Closable())
        return made[-1]

    services = runtime.Services(settings, store, _make_dispatcher=make)
    assert services.dispatcher_if_made is None and made == []

    first = services.dispatcher
    assert services.dispatcher is first and made == [first]

    services.close_dispatcher()
    assert first.closed == 1 and services.dispatcher_if_made is None
    assert services.dispatcher is not first and len(made) == 2


def test_an_injected_dispatcher_is_used_and_never_closed_here(settings: Settings, store: Store):
    injected = Closable()
    services = runtime.build(settings, store=store, dispatcher=injected)
    assert services.dispatcher is injected

    services.close_dispatcher()
    assert services.dispatcher is injected and injected.closed == 0

    later = Closable()
    services.dispatcher = later  # as `app.state.dispatcher = ...` does in the web tests
    assert services.dispatcher is later and injected.closed == 0
