"""Stencils (generator/site/stencil.py): a template rendered once with placeholders and filled with
escaped values gives what the template prints when rendered with those values."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from generator.site.render import make_env, safe_text
from generator.site.stencil import Placeholders, Stencil, slot

TEMPLATE = """<h1 title="{{ a.name }}">{{ a.name }} vs {{ b.name }}</h1>
{% if extra %}<p>{{ extra }}</p>{% endif %}<p>{{ [a.id, b.id]|join(',') }} {{ title }}</p>"""


def _render(**ctx) -> str:
    return make_env().from_string(TEMPLATE).render(**ctx)


class _Model:
    def __init__(self, name: str, id: str):
        self.name, self.id = name, id


@pytest.mark.parametrize("name", ["Plain", 'Evil <b>&amp; "q" \'x\'', "Bidi \u202eoverride\x07"])
def test_a_filled_stencil_is_the_template_rendered_with_the_values(name):
    a, b = _Model(name, "m-a"), _Model("Other & co", "m-b")
    title = f"{a.name} vs {b.name} — board"  # a plain string built around the values, as page titles are
    expected = _render(a=a, b=b, extra=Markup("<em>x</em>"), title=title)
    A, B = Placeholders("a"), Placeholders("b")
    stencil = Stencil(_render(a=A, b=B, extra=slot("extra"), title=f"{A.name} vs {B.name} — board"))
    values = {"a.name": safe_text(a.name), "b.name": safe_text(b.name), "a.id": safe_text(a.id),
              "b.id": safe_text(b.id), "extra": Markup("<em>x</em>")}
    assert stencil.fill({k: str(v).encode() for k, v in values.items()}).decode() == expected
    assert "\u202e" not in expected and "\x07" not in expected


def test_a_branch_is_decided_when_the_stencil_is_made():
    A, B = Placeholders("a"), Placeholders("b")
    without = Stencil(_render(a=A, b=B, extra="", title="t"))
    values = {"a.name": b"x", "b.name": b"y", "a.id": b"1", "b.id": b"2"}
    assert without.fill(values) == b'<h1 title="x">x vs y</h1>\n<p>1,2 t</p>'
    with pytest.raises(KeyError):
        Stencil(_render(a=A, b=B, extra=slot("extra"), title="t")).fill(values)  # every slot needs its value


def test_placeholders_print_unchanged_and_text_without_them_is_one_part():
    assert str(Placeholders("h").wins) == str(slot("h.wins"))
    stencil = Stencil("no slots here")
    assert stencil.names == [] and stencil.fill({}) == b"no slots here"


def test_a_placeholder_the_template_changes_is_refused():
    stencil_text = make_env().from_string("{{ name|truncate_text(3) }}").render(name=slot("a.name"))
    with pytest.raises(ValueError, match="placeholder"):
        Stencil(stencil_text)
