"""The three places that list dependencies cannot drift apart: pyproject.toml says what
lecturelib needs (ranges), constraints.txt pins the book's environment, and both
environment.yml and scripts/setup_env.sh install exactly pyproject's extras under those pins."""
import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def _pyproject_requirements():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        reqs += [Requirement(r) for r in extra]
    return reqs


def _pins():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonicalize_name(name)] = Version(version)
    return pins


def test_every_requirement_is_pinned_within_its_range():
    pins = _pins()
    for req in _pyproject_requirements():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is required by pyproject.toml but not pinned in constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), \
            f"constraints.txt pins {req.name}=={pins[name]}, outside pyproject's range {req.specifier}"


def test_environment_yml_installs_pyproject_extras_under_the_constraints():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert "-c constraints.txt" in pip
    assert "-e .[book,test]" in pip
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    assert Version(python.split("=")[1]) >= Version("3.10")


def test_setup_script_installs_the_same():
    script = (ROOT / "scripts" / "setup_env.sh").read_text()
    assert re.search(r'-c constraints.txt -e "\.\[book,test\]"', script)


def test_torch_range_admits_colab_and_the_pin():
    torch_req = next(r for r in _pyproject_requirements() if r.name == "torch")
    # Colab has shipped torch 2.x for years; any of them must satisfy lecturelib, so that
    # installing lecturelib there never replaces the preinstalled (CUDA) torch.
    for colab_version in ("2.3.1", "2.5.1", "2.6.0", "2.8.0"):
        assert torch_req.specifier.contains(colab_version)
    assert not torch_req.specifier.contains("1.13.1")
