"""The template environment: a sandbox over the shipped files, with the publication's overrides first."""

from __future__ import annotations

import pytest
from jinja2 import TemplateError
from jinja2.sandbox import SecurityError

from publisher.articles import Article, Section
from publisher.config import Settings
from publisher.render.email import render_digest
from publisher.render.templates import OVERRIDABLE, environment, template_problem

ONE = Article("First story", "first", "Summary one.", (Section(None, ("Para one.",)),))
HTML = "email/digest.html.j2"
TEXT = "email/digest.txt.j2"


def problem_of(settings: Settings, source: str, name: str = HTML) -> str:
    env = environment(settings.templates_dir, {name: source})
    with pytest.raises(Exception) as raised:  # noqa: PT011 - any error a template raises is worded the same way
        env.get_template(name).render(subject="s", articles=[])
    return template_problem(raised.value, name)


def test_python_internals_are_out_of_a_template_s_reach(settings: Settings):
    env = environment(settings.templates_dir, {HTML: "{{ ''.__class__.__mro__ }}"})

    with pytest.raises(SecurityError):
        env.get_template(HTML).render()
    message = problem_of(settings, "<p>\n{{ ''.__class__.__mro__ }}</p>")
    assert message.startswith("line 2: refused by the sandbox: access to attribute '__class__' of 'str' object")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ articles[0].__init__.__globals__ }}", "refused by the sandbox"),
        ("{{ cycler.__init__.__globals__.os }}", "refused by the sandbox"),
        ("{{ (1).__class__.__subclasses__() }}", "refused by the sandbox"),
    ],
)
def test_other_ways_to_internals_are_refused_too(settings: Settings, source: str, expected: str):
    assert expected in problem_of(settings, source)


def test_an_override_is_used_before_the_shipped_file_and_the_other_template_stays_shipped(settings: Settings):
    digest = render_digest([ONE], settings, overrides={TEXT: "Our own: {{ articles[0].title }}\n{{ personal.name }}"})

    assert digest.text.startswith("Our own: First story\n")
    assert 'class="masthead"' in digest.html  # the HTML part is still the shipped template's


def test_an_html_override_autoescapes_like_the_shipped_template(settings: Settings):
    evil = Article("<script>alert(1)</script>", "evil", "S.", (Section(None, ("P.",)),))

    digest = render_digest([evil], settings, overrides={HTML: "<h1>{{ articles[0].title }}</h1>"})

    assert "<script>" not in digest.html and "&lt;script&gt;" in digest.html


def test_only_the_digest_templates_can_be_overridden(settings: Settings):
    assert set(OVERRIDABLE) == {HTML, TEXT}
    with pytest.raises(ValueError, match="'web/base.html.j2' cannot be overridden"):
        environment(settings.templates_dir, {"web/base.html.j2": "x"})


def test_errors_are_worded_with_their_line(settings: Settings):
    assert problem_of(settings, "a\nb\n{% if %}") == "line 3: Expected an expression, got 'end of statement block'"
    assert problem_of(settings, "a\n{{ nobody }}").startswith("line 2: 'nobody' is undefined")
    assert problem_of(settings, "\n\n\n{{ 1 / 0 }}") == "line 4: ZeroDivisionError: division by zero"
    assert isinstance(SecurityError("x"), TemplateError)


def test_without_overrides_the_environment_is_the_shipped_one(settings: Settings):
    assert environment(settings.templates_dir) is environment(settings.templates_dir, {})
    assert environment(settings.templates_dir).get_template(HTML).filename.endswith("templates/email/digest.html.j2")
