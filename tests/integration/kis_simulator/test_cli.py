"""``python -m jts.adapters.kis.simulator``: arguments, defaults, a real process end to end."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request

import pytest

from jts.adapters.kis.simulator.__main__ import config_from_args, main


def test_default_ports_are_the_real_services_per_env():
    paper = config_from_args(["--env", "paper"])
    real = config_from_args(["--env", "real"])
    assert (paper.port, paper.ws_port) == (29443, 31000)
    assert (real.port, real.ws_port) == (9443, 21000)
    assert paper.apps
    assert paper.accounts


def test_options_override_the_config(tmp_path):
    path = tmp_path / "sim.json"
    path.write_text(json.dumps({"env": "real", "seed": 5, "max_subscriptions": 10}))
    config = config_from_args(
        [
            "--config",
            str(path),
            "--port",
            "18000",
            "--ws-port",
            "18001",
            "--rate-limit",
            "19",
            "--market-hours",
            "closed",
            "--max-subscriptions",
            "41",
        ]
    )
    assert (config.env, config.seed, config.port, config.ws_port) == ("real", 5, 18000, 18001)
    assert (config.rate_per_s, config.market_hours, config.max_subscriptions) == (19, "closed", 41)


def test_a_non_loopback_host_is_refused(capsys):
    assert main(["--host", "0.0.0.0"]) == 2
    assert "loopback" in capsys.readouterr().err


@pytest.mark.timeout(30)
def test_the_module_runs_prints_its_credentials_and_stops_on_sigterm(tmp_path):
    state = tmp_path / "state.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jts.adapters.kis.simulator",
            "--env",
            "paper",
            "--port",
            "0",
            "--ws-port",
            "0",
            "--state-file",
            str(state),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.search(r"REST (http://127\.0\.0\.1:\d+)\s+WebSocket (ws://\S+/tryitout)", first)
        assert match, first
        lines = [proc.stdout.readline() for _ in range(3)]
        assert lines[0].strip().startswith("app key")
        with urllib.request.urlopen(match[1] + "/sim/config", timeout=5) as resp:
            body = json.load(resp)
        assert body["env"] == "paper"
        assert body["apps"][0]["app_key"] in lines[0]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    assert proc.returncode == 0
