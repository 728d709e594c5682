"""The benchmark harness's building blocks at tiny sizes, end to end, and the shape of its JSON line.

No timing asserts: only that every figure is measured (present, positive) and the contract keys are there."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench import harness
from civicledger.cli import build_parser

CONTRACT = ("append_ratio_1", "append_scaling_4", "projection_events_per_s", "timeline_flatness",
            "graphql_vs_raw", "graphql_vs_postgraphile")


def test_the_cli_has_a_bench_command() -> None:
    args = build_parser().parse_args(["bench", "--quick", "--output", "/tmp/x.md"])
    assert args.quick and args.output == "/tmp/x.md" and args.func.__name__ == "cmd_bench"


@pytest.mark.slow
def test_a_tiny_bench_run_prints_every_figure_as_its_last_line(capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    assert harness.CONTRACT_KEYS == CONTRACT
    report = tmp_path / "RESULTS.md"

    assert harness.main(["bench", "--tiny"], output=str(report), config=harness.Config.tiny()) == 0

    last = capsys.readouterr().out.strip().splitlines()[-1]
    figures = json.loads(last)
    for key in CONTRACT:
        assert key in figures
    assert figures["graphql_vs_postgraphile"] is None  # switched off in the tiny run
    # Issue 12 item 6: the integrator-shaped documents ran against ours and raw (PostGraphile off here).
    assert "generic_vs_postgraphile" in figures and figures["generic_vs_postgraphile"] is None
    for name in ("family", "queue", "search", "audit"):
        assert figures[f"rps_generic_{name}_graphql"] > 0 and figures[f"rps_generic_{name}_raw"] > 0, name
        assert figures[f"generic_{name}_vs_raw"] > 0, name
    for key in ("append_ratio_1", "append_scaling_4", "projection_events_per_s", "timeline_flatness",
                "graphql_vs_raw", "append_ratio_1_new_stream", "append_scaling_4_raw", "append_scaling_4_10ev",
                "rps_graphql", "rps_raw", "timeline_p50_ms_100k", "cache_gain_under_writes",
                "rebuild_realistic_events_per_s", "rebuild_realistic_one_process_events_per_s"):
        assert isinstance(figures[key], int | float) and figures[key] > 0, key
    # Issue 12 items 3 and 6: commands over HTTP, 1 and 4 writers, against a raw INSERT over HTTP.
    for key in ("command_http_ratio_1", "command_http_scaling_4", "raw_http_scaling_4", "rps_command_http_ours1",
                "rps_command_http_ours4", "rps_command_http_raw1", "command_http_server_cpu_ms_1"):
        assert isinstance(figures[key], int | float) and figures[key] > 0, key
    assert set(figures["targets_met"]) == {*CONTRACT, "command_http_ratio_1", "command_http_scaling_4"}
    text = report.read_text()
    assert "## Targets" in text and "append_ratio_1" in text and "PostgreSQL" in text
    assert "## Commands over HTTP" in text and "command_http_ratio_1" in text
