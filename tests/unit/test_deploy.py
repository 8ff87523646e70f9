"""The deployment files say what the README says: one process and one database per community,
and a Docker health check that runs a command the CLI has."""

import configparser
from pathlib import Path

import pytest

from bot.__main__ import parser

ROOT = Path(__file__).resolve().parents[2]


def test_the_docker_healthcheck_runs_our_healthcheck_command():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    [line] = [x for x in dockerfile.splitlines() if "CMD" in x and "healthcheck" in x]
    assert '"python", "-m", "bot", "healthcheck"' in line
    assert "HEALTHCHECK" in dockerfile
    assert parser().parse_args(["healthcheck"]).command == "healthcheck"


def test_the_systemd_template_gives_each_community_its_own_settings_and_database():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(ROOT / "deploy" / "systemd" / "commonground@.service", encoding="utf-8")
    service = unit["Service"]
    assert service["EnvironmentFile"] == "/etc/commonground/%i.env"
    assert service["StateDirectory"] == "commonground/%i"
    assert service["ExecStart"].endswith("-m bot run")
    assert service["RestartPreventExitStatus"] == "2"  # a configuration mistake
    text = (ROOT / "deploy" / "systemd" / "commonground@.service").read_text(encoding="utf-8")
    assert "Environment=BOT_DB_PATH=/var/lib/commonground/%i/" in text
    assert "NoNewPrivileges=yes" in text and "ProtectSystem=strict" in text


def test_the_compose_file_runs_two_communities_apart():
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert len(services) == 2
    env_files = {s["env_file"] for s in services.values()}
    volumes = {v.split(":")[0] for s in services.values() for v in s["volumes"]}
    assert len(env_files) == 2 and len(volumes) == 2  # a token and a database each
    assert all(v.endswith(":/data") for s in services.values() for v in s["volumes"])


def test_the_image_exposes_the_webhook_port_and_compose_publishes_it_to_loopback_only():
    from bot.config import DEFAULT_WEBHOOK_LISTEN

    port = DEFAULT_WEBHOOK_LISTEN[1]
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    exposed = [x.split()[1:] for x in dockerfile.splitlines() if x.startswith("EXPOSE")]
    assert exposed == [[str(port)]]
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
    published = [p for s in compose["services"].values() for p in s.get("ports", [])]
    assert published, "no service shows the webhook's port"
    for mapping in published:
        host, _host_port, container_port = mapping.split(":")
        assert (host, container_port) == ("127.0.0.1", str(port)), mapping
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    production = readme.split("## Running in production")[1].split("\n## ")[0]
    assert f"-p 127.0.0.1:{port}:{port}" in production and "EXPOSE`s it" in production
