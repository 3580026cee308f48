"""The shape of the code, checked: layers only look down and there are no import cycles in publisher/,
only the composition root imports workers/, and no file in publisher/ or workers/ grows past 400 lines.

The import graph is read from the source (tests.support.imports): module-level and function-level
imports alike, so a cycle cannot hide behind an import inside a function.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.support.imports import build_graph, describe, long_files

ROOT = Path(__file__).resolve().parent.parent
PUBLISHER = ROOT / "publisher"
WORKERS = ROOT / "workers"
MAX_LINES = 400
COMPOSITION_ROOT = frozenset({"publisher.runtime"})

# The layers of README's "Architecture" section, bottom up; a module belongs to the longest prefix listed.
LAYERS: list[tuple[str, list[str]]] = [
    (
        "foundations",
        [
            "publisher",
            "publisher.config",
            "publisher.errors",
            "publisher.states",
            "publisher.clock",
            "publisher.addresses",
            "publisher.verp",
            "publisher.tracking",
            "publisher.tracking_tokens",
            "publisher.shipped",
            "publisher.logs",
            "publisher.telemetry",
        ],
    ),
    ("store", ["publisher.store"]),
    ("media", ["publisher.media"]),
    ("articles", ["publisher.articles", "publisher.library"]),
    ("publication", ["publisher.publication"]),
    ("importers", ["publisher.importers"]),
    ("channels", ["publisher.channels", "publisher.accounts", "publisher.textrules"]),
    ("render", ["publisher.render"]),
    (
        "subscribers",
        [
            "publisher.subscribers",
            "publisher.subscriber_links",
            "publisher.subscriber_rows",
            "publisher.subscriber_import",
            "publisher.preferences",
            "publisher.consent",
            "publisher.suppression",
            "publisher.privacy",
            "publisher.bounces",
        ],
    ),
    ("delivery", ["publisher.delivery", "publisher.ratelimit"]),
    ("campaigns", ["publisher.campaigns", "publisher.sharing"]),
    ("insight", ["publisher.insight"]),
    # Below the interfaces, which build it (runtime imports only config, store and clock at module level).
    ("composition root", ["publisher.runtime"]),
    # Feeds, recurring digests, sequences, event webhooks and Publish (issue 16): they call the campaign
    # services with the Services the composition root builds, and the interfaces call them.
    ("automation", ["publisher.automation"]),
    (
        "interfaces",
        [
            "publisher.web",
            "publisher.cli",
            "publisher.editing",
            "publisher.writing",
            "publisher.editors",
            "publisher.demo",
            "publisher.doctor",
            "publisher.progress",
            "publisher.__main__",
        ],
    ),
]
# Imports allowed to point up, with the reason.
UPWARD_ALLOWED = {
    # Service functions take the Services the composition root builds (runtime imports only config, store
    # and clock at module level; workers only inside celery_dispatcher).
    ("publisher.campaigns.service", "publisher.runtime"),
}


def layer_of(module: str) -> int | None:
    best: tuple[int, int] | None = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > best[1]):
                best = (index, len(prefix))
    return best[0] if best else None


def test_publisher_has_no_import_cycle():
    cycles = build_graph(PUBLISHER).cycles()

    assert not cycles, f"{len(cycles)} import cycle(s) in publisher/:\n" + "\n".join(describe(c) for c in cycles)


def test_every_module_belongs_to_a_layer():
    unplaced = sorted(m for m in build_graph(PUBLISHER).modules if layer_of(m) is None)

    assert not unplaced, f"modules in no layer (add them to LAYERS here and to README's table): {unplaced}"


def test_layers_only_look_down():
    upward = [
        i
        for i in build_graph(PUBLISHER).internal()
        if (i.source, i.target) not in UPWARD_ALLOWED and (layer_of(i.target) or 0) > (layer_of(i.source) or 0)
    ]

    assert not upward, "imports that point up a layer:\n" + "\n".join(
        f"    {i.source} ({LAYERS[layer_of(i.source) or 0][0]}) imports {i.target} "
        f"({LAYERS[layer_of(i.target) or 0][0]}) at {i.where()}"
        for i in upward
    )


def test_only_the_composition_root_imports_workers():
    offenders = build_graph(PUBLISHER).importers_of("workers", allowed=COMPOSITION_ROOT)

    assert not offenders, "publisher/ imports workers/ outside publisher/runtime.py:\n" + "\n".join(
        f"    {i.source} imports {i.target} at {i.where()}" for i in offenders
    )


def test_no_file_in_publisher_or_workers_is_over_400_lines():
    too_long = long_files([PUBLISHER, WORKERS], MAX_LINES)

    assert not too_long, f"files over {MAX_LINES} lines:\n" + "\n".join(
        f"    {path.relative_to(ROOT)}: {count}" for path, count in too_long
    )


# --- the checker itself, on small packages made for the purpose ---


def make_package(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    return root / next(iter(files)).split("/")[0]


def test_a_cycle_through_a_function_level_import_is_reported_with_its_path(tmp_path: Path):
    package = make_package(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/config.py": "",
            "app/campaigns.py": "from app import config\nfrom app.delivery import deliver\n",
            "app/delivery.py": "def deliver():\n    from app.campaigns import finish  # dodging the cycle\n",
        },
    )

    [cycle] = build_graph(package).cycles()

    assert [(i.source, i.target, i.line) for i in cycle] == [
        ("app.campaigns", "app.delivery", 2),
        ("app.delivery", "app.campaigns", 2),
    ]
    assert describe(cycle).splitlines()[0] == "app.campaigns -> app.delivery -> app.campaigns"


def test_relative_imports_and_submodules_named_in_from_imports_are_resolved(tmp_path: Path):
    package = make_package(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/render/__init__.py": "",
            "app/render/email.py": "from . import links\nfrom .urls import article_url\n",
            "app/render/links.py": "from ..render import urls\n",
            "app/render/urls.py": "from app import render\n",
        },
    )

    graph = build_graph(package)
    edges = {(i.source, i.target) for i in graph.internal()}

    assert edges == {
        ("app.render.email", "app.render.links"),
        ("app.render.email", "app.render.urls"),
        ("app.render.links", "app.render.urls"),
        ("app.render.urls", "app.render"),
    }
    assert graph.cycles() == []


def test_a_longer_cycle_under_type_checking_or_import_module_is_found(tmp_path: Path):
    package = make_package(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/a.py": "import app.b\n",
            "app/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app import c\n",
            "app/c.py": "import importlib\n\ndef load():\n    return importlib.import_module('app.a')\n",
        },
    )

    [cycle] = build_graph(package).cycles()

    assert describe(cycle).splitlines()[0] == "app.a -> app.b -> app.c -> app.a"


def test_an_import_of_workers_outside_the_composition_root_is_reported(tmp_path: Path):
    package = make_package(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/runtime.py": "def dispatcher():\n    from workers.dispatch import CeleryDispatcher\n",
            "app/cli.py": "def serve():\n    import workers.app\n",
        },
    )

    offenders = build_graph(package).importers_of("workers", allowed=frozenset({"app.runtime"}))

    assert [(i.source, i.target) for i in offenders] == [("app.cli", "workers.app")]


def test_long_files_are_named_with_their_length(tmp_path: Path):
    package = make_package(tmp_path, {"app/__init__.py": "", "app/big.py": "x = 1\n" * 401, "app/ok.py": "x = 1\n"})

    assert long_files([package], MAX_LINES) == [(package / "big.py", 401)]


def test_a_module_belongs_to_the_longest_prefix_listed():
    names = [name for name, _ in LAYERS]

    assert names[layer_of("publisher.delivery.claim") or 0] == "delivery"
    assert names[layer_of("publisher.store.types") or 0] == "store"
    assert names[layer_of("publisher") or 0] == "foundations"
    assert layer_of("publisherx.config") is None
