"""A catalog full of hostile input, built and opened in chromium: nothing it says may run.

Contributors' cards and suites and models' answers are untrusted text rendered into HTML that
anyone's browser opens. Every field a page shows gets payloads — raw ``<script>``, event
handlers, ``javascript:`` and ``data:`` links, SVG and iframe tricks, attribute breakouts,
Jinja syntax, control characters and right-to-left overrides — and the test asserts, in a
real browser, that no script runs and no dialog opens, that the payloads are visible as text,
that no link carries a script scheme, and that the HTML is still valid.

Decisions this test pins down: names and other labels have length limits in the schema (a
100 kB name is an error with file and line, not a 100 kB heading on 200 compare pages); control
characters and bidirectional overrides are removed from rendered text (they would make the
HTML invalid or make a name read differently from what it is); a model's raw answer is shown
in full, escaped, on its prompt page and cut elsewhere.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from generator.catalog import CatalogError
from generator.catalog.hashing import prompt_sha256
from generator.site.build import build

from conftest import require_browser
from html_checks import validate_html
from site_fixtures import tiny_png

PWN = "window.__pwned=(window.__pwned||0)+1"
SCRIPT = f"<script>{PWN}</script>"
IMG = f'<img src=x onerror="{PWN}">'
SVG = f'<svg onload="{PWN}"><script>{PWN}</script></svg>'
BREAKOUT = f'"><script>{PWN}</script>'
QUOTE_BREAKOUT = f"' onmouseover='{PWN}' x='"
TEMPLATE = "{{ 7*7 }} {% raw %}"
RLO = "\u202e"
CONTROL = "\x07\x1b[31m\x7f"
INVISIBLE = {"\x07", "\x1b", "\x7f", RLO}
LINK_PAYLOADS = [
    f"[js](javascript:{PWN})", f"[JS](JaVaScRiPt:{PWN})", f"[tab](java\tscript:{PWN})",
    "[entity](javascript&#58;alert(1))", f"[data](data:text/html,<script>{PWN}</script>)",
    f"[vb](vbscript:{PWN})", f"<javascript:{PWN}>", f"[ref][evil]\n\n[evil]: javascript:{PWN}",
    "[rel](../../../etc/passwd)", f'[title](https://ok.example/ "{BREAKOUT}")',
]
MARKDOWN = "\n\n".join([
    f"Intro {SCRIPT} {IMG} {SVG}",
    f"<iframe src=\"javascript:{PWN}\"></iframe> <style>body{{display:none}}</style>",
    f"<object data=\"data:text/html,{SCRIPT}\"></object> <form action=javascript:{PWN}><button>go</button></form>",
    f"# Heading {BREAKOUT}", f"`{SCRIPT}` and {TEMPLATE} and {RLO}reversed{CONTROL}",
    *LINK_PAYLOADS,
    f"![img](javascript:{PWN}) ![tracker](https://tracker.example/pixel.png)",
    f"<a href=\"javascript:{PWN}\">raw anchor</a> <div onclick=\"{PWN}\">div</div>",
])
SUITE = "hostile"
MODELS = ("evil-a", "evil-b", "evil-c")
# Text that must come out as visible text on the pages that show it.
NAME_A = f"Evil {BREAKOUT} {TEMPLATE}"
NAME_B = f"Spoof </title>{SCRIPT}"  # invisible and lookalike letters are refused in names (test_catalog_integrity)
BASE_URL = "https://example.org/board/"


def _dump(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _card(model_id: str, name: str, **extra) -> dict:
    card = {
        "id": model_id, "name": name, "organization": IMG, "access": "open", "family": TEMPLATE,
        "modalities": {"inputs": ["image", "text"], "outputs": ["text", "boxes"]}, "release_date": "2025",
        "license": {"id": f"</td>{SCRIPT}", "url": "https://example.org/licence?a=1&b=%22%3E%3Cscript%3E"},
        "tasks": ["vqa", "object-detection", "ocr", "captioning"], "overview": MARKDOWN,
        "aliases": [f"{model_id} {QUOTE_BREAKOUT}"], "parameters": {"total": "1B", "note": SVG},
        "links": {"homepage": "https://example.org/?q=%3Cscript%3E&x=1"},
        "pricing": {"input_per_1m": 0.1, "output_per_1m": 0.2, "currency": "<b>X", "note": SCRIPT,
                    "source": "https://example.org/prices", "as_of": "2026-01"},
        "runner": {"adapter": "transformers-vlm", "model": BREAKOUT, "revision": IMG},  # adapter names are checked
        "reported": [{"benchmark": SCRIPT, "metric": TEMPLATE, "value": 50, "unit": "%", "setting": BREAKOUT,
                      "note": f"javascript:{PWN}", "suite": SUITE, "source": "https://example.org/paper",
                      "categories": [{"name": IMG, "value": 40, "passed": 2, "total": 5}]}],
    }
    card.update(extra)
    return card


PROMPTS = [
    {"id": "p-vqa", "image": "images/a.png", "category": "cat-a", "task": "vqa",
     "prompt": f"</pre></textarea>{SCRIPT} {TEMPLATE} {RLO}?", "expected": IMG, "grader": {"name": "exact"}},
    {"id": "p-boxes", "image": "images/b.png", "category": "cat-b", "task": "object-detection",
     "prompt": f"Find {SVG}", "expected": {"boxes": [{"xyxy": [1, 1, 20, 20], "label": SCRIPT}]},
     "grader": {"name": "detection"}},
    {"id": "p-ocr", "image": "images/a.png", "category": "cat-a", "task": "ocr", "prompt": f"Read{CONTROL}",
     "expected": f"{RLO}EXIT{CONTROL}", "grader": {"name": "exact"}},
    {"id": "p-caption", "image": "images/b.png", "category": "cat-b", "task": "captioning", "prompt": BREAKOUT},
]
OUTPUTS = {
    "p-vqa": f"</pre>{SCRIPT}{TEMPLATE}", "p-boxes": f'{{"boxes": "{IMG}"}}', "p-ocr": f"{RLO}TIXE{CONTROL}",
    "p-caption": f"</span></div>{SVG}" + "long answer " * 2000,
}


def _record(prompt: dict, image: bytes, model: str, **extra) -> dict:
    boxed = prompt["task"] == "object-detection"
    record = {
        "suite": SUITE, "suite_version": "1", "prompt_id": prompt["id"],
        "prompt_sha256": prompt_sha256(prompt["prompt"], image, prompt.get("expected")), "model": model,
        "adapter": SCRIPT, "adapter_version": "1", "model_revision": BREAKOUT, "params": {"x": SCRIPT},
        "output": OUTPUTS[prompt["id"]],
        "structured": {"boxes": [{"xyxy": [1, 1, 20, 20], "label": f"</title>{SCRIPT}", "score": 0.9}],
                       "lines": [{"text": IMG, "xyxy": [2, 2, 10, 10]}]} if boxed else None,
        "latency_s": 1.5, "input_tokens": 100, "output_tokens": 10, "error": None, "run_id": f"run-{model}",
        "started_at": "2026-01-01T00:00:00Z", "hardware": SVG, "source": "measured", "source_verdict": None,
    }
    record.update(extra)
    return record


def write_hostile(root: Path) -> Path:
    _dump(root / "site.yaml", {"title": f"Hostile {TEMPLATE}", "description": SCRIPT, "featured_suites": [SUITE],
                               "flagship": ["evil-a", "evil-b"], "base_url": BASE_URL})
    _dump(root / "model_cards/evil-a.yaml", _card("evil-a", NAME_A))
    _dump(root / "model_cards/evil-b.yaml", _card("evil-b", NAME_B, organization=f"Org {QUOTE_BREAKOUT}"))
    _dump(root / "model_cards/evil-c.yaml", _card("evil-c", f"C {IMG}", reported=[]))
    folder = root / "evals/suites" / SUITE
    images = {"images/a.png": tiny_png(40, 30), "images/b.png": tiny_png(30, 40, (10, 200, 10))}
    for rel, data in images.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    _dump(folder / "suite.yaml", {
        "id": SUITE, "name": f"Suite {SCRIPT} {TEMPLATE}", "version": "1", "description": MARKDOWN,
        "categories": [{"id": "cat-a", "name": IMG}, {"id": "cat-b", "name": f"{TEMPLATE}{RLO}"}],
        "images": [{"file": rel, "source": BREAKOUT, "license": SVG} for rel in images],
        "prompts": PROMPTS})
    for model in MODELS[:2]:
        rows = [_record(p, images[p["image"]], model) for p in PROMPTS]
        if model == "evil-b":
            rows[0].update(output=None, error=f"</p>{SCRIPT}{CONTROL}")
            rows += [_record(p, images[p["image"]], model, run_id="peer", latency_s=None, source_verdict=True,
                             source={"repository": f"javascript:{PWN}", "path": SCRIPT, "commit": BREAKOUT,
                                     "measured_by": IMG}) for p in PROMPTS]
        run = root / "evals/runs" / SUITE / model / "r1.jsonl"
        run.parent.mkdir(parents=True, exist_ok=True)
        run.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    root = write_hostile(tmp_path_factory.mktemp("hostile"))
    out = root / "public"
    build(root, out, jobs=1)
    return out


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


# ------------------------------------------------------------------ static checks over every page

def test_every_page_is_valid_html(hostile_site: Path):
    problems = {p.relative_to(hostile_site).as_posix(): validate_html(p.read_text(encoding="utf-8"))
                for p in html_pages(hostile_site)}
    assert {k: v for k, v in problems.items() if v} == {}


def test_no_control_or_bidi_override_characters_reach_any_output(hostile_site: Path):
    for path in sorted(hostile_site.rglob("*")):
        if path.suffix in (".html", ".xml", ".txt"):
            text = path.read_text(encoding="utf-8")
            assert not set(text) & INVISIBLE, path


def test_no_page_redirects(hostile_site: Path):
    """Reversed comparisons are forwarded by 404.html's own script file, not by redirect pages."""
    assert not [p for p in html_pages(hostile_site) if "http-equiv" in p.read_text(encoding="utf-8")]


def test_a_long_answer_is_whole_on_its_prompt_page_and_cut_elsewhere(hostile_site: Path):
    long_answer = OUTPUTS["p-caption"]
    assert len(long_answer) > 20_000
    escaped = long_answer.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
    assert escaped in (hostile_site / "suites/hostile/p-caption/index.html").read_text(encoding="utf-8")
    gallery = (hostile_site / "tasks/captioning/index.html").read_text(encoding="utf-8")
    assert "long answer long answer" in gallery and escaped not in gallery and len(gallery) < len(long_answer)


def test_no_template_is_evaluated(hostile_site: Path):
    """``{{ 7*7 }}`` in every field comes out literally (escaped), never as 49."""
    compare = (hostile_site / "compare/evil-a-vs-evil-b/index.html").read_text(encoding="utf-8")
    assert compare.count("{{ 7*7 }} {% raw %}") >= 3 and ">49<" not in compare and " 49 " not in compare


# ------------------------------------------------------------------ in the browser

@pytest.fixture(scope="module")
def chromium():
    executable = require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


TRAP = """
window.__pwned = 0;
window.__violations = [];
for (const name of ['alert', 'confirm', 'prompt', 'print', 'open']) {
  window[name] = () => { window.__pwned += 1; };
}
document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective));
"""

# After load: anything on the page that could run or navigate to script, found in the DOM itself.
DOM_AUDIT = """
(roots) => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase(), value = attr.value.replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
      if (name.startsWith('on')) bad.push(`${el.tagName} ${name}`);
      if (['href', 'src', 'action', 'formaction', 'data', 'xlink:href'].includes(name)
          && /^(javascript|data|vbscript):/.test(value)) bad.push(`${el.tagName} ${name}=${attr.value}`);
    }
  }
  for (const el of document.querySelectorAll('iframe, object, embed, style')) bad.push(el.tagName);
  for (const s of document.scripts)  // only the site's own script files (404.html's come from its <base>)
    if (!roots.some(root => s.src.startsWith(root)) || !s.src.endsWith('.js'))
      bad.push('script ' + (s.src || s.text.slice(0, 40)));
  return bad;
}
"""


@pytest.mark.browser
def test_no_payload_runs_in_chromium_and_text_stays_visible(hostile_site: Path, chromium):
    context = chromium.new_context()
    context.add_init_script(TRAP)
    requests: list[str] = []  # anything but the site's own files would be an exfiltration
    context.route(lambda url: not url.startswith(("file://", BASE_URL)),
                  lambda route: (requests.append(route.request.url), route.abort()))
    page = context.new_page()
    dialogs, errors = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: errors.append(str(error)))
    findings = {}
    for path in html_pages(hostile_site):
        rel = path.relative_to(hostile_site).as_posix()
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_timeout(20)  # let any handler that would fire (onload, onerror) fire
        state = page.evaluate("() => [window.__pwned, window.__violations]")
        audit = page.evaluate(DOM_AUDIT, [hostile_site.as_uri() + "/", BASE_URL])
        if state[0] or audit:
            findings[rel] = (state, audit)
    assert findings == {}, findings
    assert dialogs == [] and errors == [] and requests == [], (dialogs, errors, requests)

    page.goto((hostile_site / "compare/evil-a-vs-evil-b/index.html").as_uri())
    assert page.locator("h1").inner_text() == f"{NAME_A} vs {NAME_B.replace(RLO, '')}"
    overview = page.locator(".vs section.a .prose").inner_text()
    assert SCRIPT in overview and IMG in overview and "{{ 7*7 }} {% raw %}" in overview
    assert "reversed" in overview and "display:none" in overview  # the <style> is text, the page is visible
    hrefs = page.eval_on_selector_all(".prose a", "els => els.map(a => a.getAttribute('href'))")
    assert "https://ok.example/" in hrefs and all(h is None or h.startswith("https://") for h in hrefs), hrefs
    page.goto((hostile_site / "suites/hostile/p-vqa/index.html").as_uri())
    answers = page.locator("pre.out").all_inner_texts()
    assert OUTPUTS["p-vqa"] in answers and PROMPTS[0]["prompt"].replace(RLO, "") in answers
    context.close()


# ------------------------------------------------------------------ what the schema refuses

@pytest.mark.parametrize("field,value,message", [
    ("name", "N" * 100_000, "name: String should have at most 120 characters"),
    ("organization", "O" * 1000, "organization: String should have at most 120 characters"),
    ("overview", "word " * 20_000, "overview: String should have at most 10000 characters"),
    ("links.homepage", f"javascript:{PWN}", "links.homepage: String should match pattern"),
    ("links.paper", f"data:text/html,{SCRIPT}", "links.paper: String should match pattern"),
    ("links.demo", f"https://ok.example/{BREAKOUT}", "links.demo: String should match pattern"),
    ("license.url", "javascript:alert(1)", "license.url: String should match pattern"),
])
def test_oversized_and_script_url_fields_are_refused_with_file_and_line(tmp_path, field, value, message):
    """Names are labels, not documents: over the schema's limits a card is an error, never truncated
    silently (a truncated name could collide with another model's). URL fields take http(s) only."""
    root = write_hostile(tmp_path / "c")
    card = root / "model_cards/evil-c.yaml"
    data = yaml.safe_load(card.read_text(encoding="utf-8"))
    key, _, sub = field.partition(".")
    if sub:
        data[key] = {**data.get(key, {}), sub: value}
    else:
        data[key] = value
    _dump(card, data)
    lines = card.read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.startswith(f"{key}:"))
    if sub:
        line = next(i for i, text in enumerate(lines[line - 1:], line) if text.lstrip(" {").startswith(f"{sub}:"))
    with pytest.raises(CatalogError) as failure:
        build(root, tmp_path / "public", jobs=1)
    shown = [str(p) for p in failure.value.problems]
    assert any(p.startswith(f"model_cards/evil-c.yaml:{line}: {message}") for p in shown), shown
    assert not (tmp_path / "public").exists()
