"""``packaging/pyi_rth_deferred.py``, the frozen app's runtime hook that runs PyInstaller's hooks
for PySide6, inspect, pkgutil and multiprocessing when their module is first imported (issue 14),
run here in a fresh interpreter with stand-in hooks: each must run once, after its module has
executed and before the importer gets it, and leave the module as a normal import would."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "packaging" / "pyi_rth_deferred.py"

PROBE = """
import json, sys
seen = {"at_install": sorted(getattr(sys, "_hook_runs", []))}
import colorsys
seen["patched"] = colorsys.PATCHED
seen["loader_is_real"] = type(colorsys.__loader__).__name__ == "SourceFileLoader"
seen["spec_loader_is_real"] = colorsys.__spec__.loader is colorsys.__loader__
import importlib
importlib.reload(colorsys)
import xml.dom.minidom
seen["runs"] = sys._hook_runs
seen["unhooked"] = "wave" in sys.modules
print(json.dumps(seen))
"""

HOOKS = {
    # patched module: the hook reads and changes it, as pyi_rth_inspect does
    "colorsys": [
        (
            "h_colorsys",
            "import colorsys, sys\n"
            "colorsys.PATCHED = colorsys.rgb_to_hsv.__name__\n"
            "sys._hook_runs.append('colorsys')\n",
        )
    ],
    # a package reached through a submodule: its hook runs when the package is imported
    "xml": [("h_xml", "import sys\nsys._hook_runs.append('xml')\n")],
    # imported before the hook is installed: runs at once
    "json": [("h_json", "import sys\nsys._hook_runs.append('json')\n")],
    # never imported: never runs
    "wave": [("h_wave", "import sys\nsys._hook_runs.append('wave')\n")],
}


def run_probe() -> dict[str, object]:
    hook = f"import json, sys\nsys._hook_runs = []\n_DEFERRED = {HOOKS!r}\n\n{TEMPLATE.read_text()}"
    code = f"exec(compile({hook!r}, 'pyi_rth_deferred', 'exec'), {{'__name__': 'rth'}})\n{PROBE}"
    done = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_each_hook_runs_once_when_its_module_is_first_imported() -> None:
    seen = run_probe()
    assert seen["at_install"] == ["json"]
    assert seen["runs"] == ["json", "colorsys", "xml"]
    assert seen["unhooked"] is False


def test_the_importer_gets_the_module_as_the_hook_left_it_with_its_real_loader() -> None:
    seen = run_probe()
    assert seen["patched"] == "rgb_to_hsv"
    assert seen["loader_is_real"] is True
    assert seen["spec_loader_is_real"] is True


def test_the_spec_defers_only_the_four_hooks_it_names() -> None:
    """build.spec's table names these four modules; that each hook is PyInstaller's own for its
    module is checked by the build itself (``build.spec`` fails otherwise: PyInstaller is in the
    build's virtualenv, not the tests')."""
    spec = ast.parse((ROOT / "build.spec").read_text(encoding="utf-8"))
    table = next(
        ast.literal_eval(node.value)
        for node in spec.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "DEFERRED_RTHOOKS" for t in node.targets)
    )
    assert set(table.values()) == {"PySide6", "inspect", "pkgutil", "multiprocessing"}
