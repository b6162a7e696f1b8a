"""The import-linter contract refuses an import from a lower app into a higher one (DESIGN.md)."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent))


def _contract() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def _write_project(tmp_path: Path, imports: dict[str, str]) -> None:
    """A copy of the contract over empty packages named like our apps, with the given imports."""
    config = _contract()
    for package in config["root_packages"]:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text(imports.get(package, ""))
    (tmp_path / ".importlinter").write_text(
        "[importlinter]\nroot_packages =\n"
        + "".join(f"    {p}\n" for p in config["root_packages"])
        + "\n[importlinter:contract:layers]\nname = layers\ntype = layers\nlayers =\n"
        + "".join(f"    {layer}\n" for layer in config["contracts"][0]["layers"])
    )


def _lint(tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.skipif(LINT_IMPORTS is None, reason="import-linter is not installed")
def test_imports_pointing_down_pass(tmp_path):
    _write_project(tmp_path, {"ai": "import workouts\n", "workouts": "import fitai\nimport accounts\n"})
    result = _lint(tmp_path)
    assert result.returncode == 0, result.stdout


@pytest.mark.skipif(LINT_IMPORTS is None, reason="import-linter is not installed")
def test_an_import_from_a_lower_app_into_a_higher_one_fails(tmp_path):
    _write_project(tmp_path, {"exercises": "import workouts\n"})
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "exercises -> workouts" in result.stdout


def test_the_contract_lists_every_app_in_layer_order():
    assert _contract()["contracts"][0]["layers"] == [
        "ai",
        "community",
        "progress",
        "workouts",
        "templates_app",
        "exercises",
        "accounts",
        "fitai",
    ]
