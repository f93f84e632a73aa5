"""Apps depend one way: core ← accounts ← participants ← dialogues ← facilitators, with dashboard and demo on top.

Every module of our apps is parsed (not imported) and each import in it, at module level or inside a
function, is checked against that order: an app may import itself and the apps below it, never one
above it. ``dashboard`` and ``demo`` may import every app and no app imports them; ``core`` imports no
app; ``config`` may import anything. On top of the order: no app imports another app's
``querysets`` module (the shared rules live in ``core.visibility``), and no ``apps.get_model`` works
around an import cycle outside migrations.
"""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings

LAYERS = ["core", "accounts", "participants", "dialogues", "facilitators"]
TOP = ["dashboard", "demo"]
ORDER = " < ".join(LAYERS) + " < " + ", ".join(TOP)
BASE = Path(settings.BASE_DIR)
IMPORTING_CALLS = ("import_module", "import_string", "__import__")
RELATIONS = ("ForeignKey", "OneToOneField", "ManyToManyField")


def may_import(importer, imported):
    """Whether app ``importer`` may import app ``imported``."""
    if importer == imported:
        return True
    if imported in TOP:
        return False
    if importer in TOP:
        return True
    return LAYERS.index(imported) < LAYERS.index(importer)


def module_name(path):
    """``dialogues/management/commands/seed_demo.py`` -> ``dialogues.management.commands.seed_demo``."""
    parts = list(Path(path).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(node, module, is_package):
    """The absolute name of the module a ``from … import`` names (relative imports resolved)."""
    if not node.level:
        return node.module
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def called(node):
    """The name a call calls (``import_module`` for ``importlib.import_module(…)``), else None."""
    if isinstance(node, ast.Call):
        return getattr(node.func, "id", getattr(node.func, "attr", None))
    return None


def strings(nodes):
    return [node.value for node in nodes if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def imported_modules(tree, module, is_package):
    """(line, import as written, the modules it may load) for every import anywhere in the module.

    ``from x import y`` may load ``x`` and the submodule ``x.y``; both are checked.
    Constant-string ``import_module("x")`` / ``import_string("x.Y")`` / ``__import__("x")`` count too,
    and so does a relation to another app's model by name (``ForeignKey("dialogues.Workshop", …)``).
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield node.lineno, ast.unparse(node), [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = resolve(node, module, is_package)
            yield node.lineno, ast.unparse(node), [source, *(f"{source}.{alias.name}" for alias in node.names)]
        elif called(node) in IMPORTING_CALLS and strings(node.args[:1]):
            yield node.lineno, ast.unparse(node), strings(node.args[:1])
        elif called(node) in RELATIONS:
            targets = [*node.args[:1], *(keyword.value for keyword in node.keywords if keyword.arg == "to")]
            models = [name for name in strings(targets) if "." in name]
            if models:
                yield node.lineno, f"{ast.unparse(node.func)}({models[0]!r}, …)", models


def app_registry_names(tree):
    """Names the global app registry is bound to: ``apps``, and any alias of ``django.apps.apps``."""
    names = {"apps"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.apps":
            names |= {alias.asname or alias.name for alias in node.names if alias.name == "apps"}
    return names


def get_model_calls(tree):
    """Lines that look a model up by name in the app registry (``apps.get_model(…)``,
    ``apps.get_app_config(…).get_model(…)``, ``django.apps.apps.get_model(…)``)."""
    registry = app_registry_names(tree)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get_model"):
            continue
        owner = node.func.value
        on_registry = (
            (isinstance(owner, ast.Name) and owner.id in registry)
            or (isinstance(owner, ast.Attribute) and ast.unparse(owner) == "django.apps.apps")
            or (
                isinstance(owner, ast.Call)
                and isinstance(owner.func, ast.Attribute)
                and owner.func.attr == "get_app_config"
            )
        )
        if on_registry:
            yield node.lineno, ast.unparse(node)


def violations(source, path):
    """Everything in ``source`` (the text of ``path``, relative to the project) that breaks the rules."""
    path = Path(path)
    app = path.parts[0]
    module = module_name(path)
    tree = ast.parse(source, filename=str(path))
    found = []
    for line, written, modules in imported_modules(tree, module, path.name == "__init__.py"):
        where = f"{path.as_posix()}:{line}: `{written}`"
        apps_named = {name.split(".")[0] for name in modules} & {*LAYERS, *TOP}
        for other in sorted(apps_named):
            if not may_import(app, other):
                found.append(f"{where}: {app} may not import {other} (the order is {ORDER})")
        for name in modules:
            parts = name.split(".")
            if parts[0] != app and parts[0] in apps_named and parts[1:2] == ["querysets"]:
                found.append(f"{where}: {app} may not import {name} (another app's querysets; use core.visibility)")
                break
    if "migrations" not in path.parts:
        for line, written in get_model_calls(tree):
            found.append(f"{path.as_posix()}:{line}: `{written}`: no apps.get_model outside migrations")
    return found


def app_files():
    for app in [*LAYERS, *TOP]:
        for path in sorted((BASE / app).rglob("*.py")):
            yield path.relative_to(BASE)


# --- the rule, on our code -----------------------------------------------------------------------


def test_every_app_of_ours_has_a_place_in_the_order():
    ours = {name.split(".")[0] for name in settings.INSTALLED_APPS if (BASE / name.split(".")[0]).is_dir()}
    assert ours - {*LAYERS, *TOP} == set(), f"place each app in the order ({ORDER}) in tests/test_architecture.py"


def test_the_check_reads_every_app():
    files = {path.parts[0] for path in app_files()}
    assert set(LAYERS) <= files


def test_apps_depend_one_way():
    found = [problem for path in app_files() for problem in violations((BASE / path).read_text(), path)]
    assert found == [], "imports against the direction of the apps:\n" + "\n".join(found)


# --- the check itself bites ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "source", "offence"),
    [
        (
            "participants/selectors.py",
            "from dialogues.models import Workshop\n",
            "participants may not import dialogues",
        ),
        (
            "participants/selectors.py",
            "def later():\n    from dialogues.models import Workshop\n",
            "participants/selectors.py:2: `from dialogues.models import Workshop`",
        ),
        ("dialogues/selectors.py", "import facilitators.models\n", "dialogues may not import facilitators"),
        ("dialogues/views.py", "from facilitators import selectors\n", "dialogues may not import facilitators"),
        ("core/visibility.py", "from accounts.models import User\n", "core may not import accounts"),
        ("accounts/services.py", "import participants\n", "accounts may not import participants"),
        (
            "facilitators/views.py",
            "from dashboard.selectors import dashboard_for\n",
            "facilitators may not import dashboard",
        ),
        ("dashboard/selectors.py", "from demo import generate\n", "dashboard may not import demo"),
        ("demo/generate.py", "from dashboard import views\n", "demo may not import dashboard"),
        (
            "facilitators/querysets.py",
            "from dialogues.querysets import team_initiative_ids\n",
            "another app's querysets",
        ),
        ("facilitators/querysets.py", "from dialogues import querysets\n", "another app's querysets"),
        ("dashboard/selectors.py", "import participants.querysets\n", "another app's querysets"),
        (
            "participants/models.py",
            "from django.apps import apps\n\ndef workshop():\n    return apps.get_model('dialogues', 'Workshop')\n",
            "participants/models.py:4: `apps.get_model('dialogues', 'Workshop')`",
        ),
        (
            "accounts/services.py",
            "from django.apps import apps as registry\nregistry.get_app_config('dialogues').get_model('Workshop')\n",
            "no apps.get_model outside migrations",
        ),
        (
            "participants/views.py",
            "from importlib import import_module\nimport_module('dialogues.models')\n",
            "participants may not import dialogues",
        ),
        (
            "participants/models.py",
            "class Seat(models.Model):\n    workshop = models.ForeignKey('dialogues.Workshop', on_delete=CASCADE)\n",
            "participants/models.py:2: `models.ForeignKey('dialogues.Workshop', …)`",
        ),
    ],
)
def test_the_check_refuses(path, source, offence):
    found = violations(source, path)
    assert any(offence in problem for problem in found), found


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("dialogues/selectors.py", "from accounts.models import User\nfrom participants.models import Participant\n"),
        ("dialogues/selectors.py", "from . import querysets\nfrom .querysets import ATTENDING\n"),
        ("dialogues/management/commands/send.py", "from ...models import Workshop\nfrom ... import services\n"),
        ("facilitators/querysets.py", "from core.visibility import report_rule\nfrom django.db import models\n"),
        ("dashboard/selectors.py", "from facilitators.selectors import outcome_reports_in_draft_by\n"),
        ("facilitators/models.py", "workshop = models.ForeignKey('dialogues.Workshop', on_delete=models.CASCADE)\n"),
        ("dialogues/models.py", "user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)\n"),
        ("demo/generate.py", "from dialogues import services\nfrom participants.services import participant_create\n"),
        ("core/search_indexes.py", "def forwards(to_state):\n    return to_state.apps.get_model('core', 'X')\n"),
        ("participants/migrations/0009_data.py", "def forwards(apps, schema_editor):\n    apps.get_model('x', 'Y')\n"),
    ],
)
def test_the_check_lets_pass(path, source):
    assert violations(source, path) == []


def test_a_relative_import_is_resolved_from_the_module_it_is_in():
    source = "from .. import models\n"
    assert violations(source, "dialogues/management/__init__.py") == []
    assert module_name("dialogues/management/__init__.py") == "dialogues.management"
    node = ast.parse("from ..querysets import X").body[0]
    assert resolve(node, "dialogues.management.commands", is_package=True) == "dialogues.management.querysets"
    assert resolve(node, "dialogues.management.seed", is_package=False) == "dialogues.querysets"


# --- Templates ask what to show, never which role the user has ------------------------------------

ROLE_COMPARISON = re.compile(r"{%[^%]*\brole\s*(==|!=|\bin\b)")


def role_comparisons(text):
    """The lines of a template's ``{% … %}`` tags that compare a role."""
    return [number for number, line in enumerate(text.splitlines(), start=1) if ROLE_COMPARISON.search(line)]


def test_templates_never_compare_a_role():
    """Who may see or do what is decided by the selectors (``may``, a view's ``can_manage``, the
    dashboard's ``sections``); a template comparing role strings would be a second copy of a rule."""
    offences = [
        f"{path.relative_to(BASE)}:{number}"
        for path in sorted({*BASE.glob("templates/**/*.html"), *BASE.glob("*/templates/**/*.html")})
        if ".venv" not in path.parts
        for number in role_comparisons(path.read_text(encoding="utf-8"))
    ]
    assert offences == []


def test_the_template_check_reads_every_template():
    read = {*BASE.glob("templates/**/*.html"), *BASE.glob("*/templates/**/*.html")}
    assert BASE / "templates" / "base.html" in read
    assert BASE / "dashboard" / "templates" / "dashboard" / "dashboard.html" in read


def test_the_template_check_bites():
    assert role_comparisons('{% if role == "admin" %}\n<div role="group">') == [1]
    assert role_comparisons('{% if user.role != "observer" %}') == [1]
    assert role_comparisons('<div role="group">{% if "team" in sections %}') == []
