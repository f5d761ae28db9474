"""The distribution installs anywhere: the wheel is built from the sources (offline, with the
pinned setuptools), installed into a fresh virtual environment, and used from outside the
source tree — ``ozsim serve`` run with the Docker image's exact command line and environment
answers ``/api/v2/openapi.yaml`` (contracts are package data), passes the image's
HEALTHCHECK, and the pytest plugin works from the wheel.

The fresh environment gets the runtime dependencies through a ``.pth`` line naming this
environment's site-packages (so nothing is downloaded); ``ozsim`` itself comes from the wheel
alone — the test checks where it is imported from. (No container engine here: the Dockerfile
is checked for its wheel install, non-root user and HEALTHCHECK, and its command runs here.)
"""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import requests

from ..support import Server, free_port

pytestmark = pytest.mark.xdist_group("packaging")

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "simulator", "scenarios", "contracts")
ASSET = "simulator/web/static/assets/ozsim-packaging-check.js"


def run(*args, **kw) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300, **kw)
    assert done.returncode == 0, f"{args}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, src / name, ignore=shutil.ignore_patterns(
                "__pycache__", "node_modules"))
        else:
            shutil.copy2(origin, src / name)
    asset = src / ASSET                  # a nested built asset of the dashboard, whatever it is
    asset.parent.mkdir(parents=True, exist_ok=True)
    asset.write_text("// packaged\n")
    dist = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
        "--disable-pip-version-check", "-w", dist, src)
    return next(dist.glob("ozmap_simulator-*.whl"))


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    env = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", "--without-pip", env)
    python = env / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--quiet",
        "--disable-pip-version-check", wheel)
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout
    Path(site.strip(), "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env


def test_the_wheel_holds_one_package_its_data_and_its_entry_points(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        entry_points = archive.read(info).decode()
    assert {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")} == \
        {"ozsim"}                        # no top-level scenarios, contracts or simulator
    for data in ("ozsim/contracts/ozmap.yaml", "ozsim/contracts/control.yaml",
                 "ozsim/scenarios/library/01_reservation_lifecycle.yaml",
                 "ozsim/web/static/assets/ozsim-packaging-check.js"):
        assert data in names, data
    assert "ozsim = ozsim.cli:main" in entry_points
    assert re.search(r"\[pytest11\]\s+ozsim = ozsim.pytest_plugin", entry_points)


def dockerfile() -> dict:
    text = (ROOT / "Dockerfile").read_text()
    joined = re.sub(r"\\\n\s*", " ", text)
    final = joined.rsplit("\nFROM ", 1)[1]
    env = dict(pair.split("=", 1) for line in re.findall(r"^ENV (.+)$", final, re.M)
               for pair in shlex.split(line))
    return {"text": final, "env": env,
            "cmd": json.loads(re.search(r"^CMD (\[.+\])$", final, re.M).group(1)),
            "healthcheck": re.search(r"^HEALTHCHECK .*? CMD (.+)$", final, re.M).group(1),
            "user": re.search(r"^USER (\S+)$", final, re.M).group(1)}


def test_the_image_installs_the_wheel_as_a_user_with_a_healthcheck():
    image = dockerfile()
    assert re.search(r"pip install .*\.whl", image["text"]) and " -e " not in image["text"]
    assert image["user"] not in ("root", "0")
    assert image["cmd"] == ["ozsim", "serve"] and image["env"]["OZSIM_HOST"] == "0.0.0.0"


def test_the_image_s_command_serves_from_the_wheel_outside_the_source_tree(venv, tmp_path):
    image = dockerfile()
    port = str(free_port())                      # the image's 9994 may be taken on this machine
    env = {"PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path),
           **image["env"], "OZSIM_PORT": port, "OZSIM_NETWORK": "empty"}
    where = run(venv / "bin" / "python", "-c", "import ozsim; print(ozsim.__file__)", cwd=tmp_path,
                env=env).stdout.strip()
    assert where.startswith(str(venv)), where
    with Server(image["cmd"], int(port), "/api/v2/openapi.yaml", env=env, inherit_env=False,
                cwd=tmp_path, timeout=60) as server:
        base = server.base
        contract = requests.get(f"{base}/api/v2/openapi.yaml", timeout=5)
        assert contract.status_code == 200 and contract.text.startswith("# OpenAPI 3.1")
        assert f"url: '{base}'" in contract.text
        run("sh", "-c", image["healthcheck"], env=env, cwd=tmp_path)
        assert requests.get(f"{base}/__ozsim/tenants", timeout=5).json()["code"] == \
            "CONTROL_PLANE_DISABLED"            # 0.0.0.0 without OZSIM_ADMIN_TOKEN
        server.stop()
        banner = server.output()
    assert "control plane: DISABLED" in banner


def test_the_plugin_works_from_the_wheel(venv, tmp_path):
    (tmp_path / "test_sample.py").write_text(
        "def test_a_tenant(ozmap_sim):\n"
        "    ozmap_sim.client.create('projects', {'name': 'from the wheel'})\n"
        "    assert ozmap_sim.count('projects') == 1\n"
        "    import ozsim\n"
        f"    assert ozsim.__file__.startswith({str(venv)!r})\n")
    done = run(venv / "bin" / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "test_sample.py", cwd=tmp_path, env={**os.environ, "OZSIM_URL": ""})
    assert "1 passed" in done.stdout
