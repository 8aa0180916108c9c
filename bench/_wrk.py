"""wrk (Debian's package) as the load generator of bench_storefront.py: one run against one URL
with the customer's session cookie, every response checked (status 200 and the page's marker,
by a Lua response hook), the figures parsed from wrk's --latency output.

Not a benchmark itself (the leading underscore)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

# Counts the responses that are not 200 or lack the marker; done() prints the sums of all threads.
LUA = """
local threads = {}
local marker = os.getenv("WRK_MARKER")
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0; good = 0 end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, marker, 1, true) then bad = bad + 1
  else good = good + 1 end
end
function done(summary, latency, requests)
  local b, g = 0, 0
  for _, t in ipairs(threads) do b = b + t:get("bad"); g = g + t:get("good") end
  io.write(string.format("checked: good %d bad %d\\n", g, b))
end
"""

UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def wrk_path() -> str | None:
    return shutil.which("wrk")


def _seconds(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * UNITS[match.group(2)]


def parse(output: str) -> dict[str, Any]:
    """Requests/sec, latency percentiles (s), and the Lua check's counts from wrk's output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    checked = re.search(r"checked: good (\d+) bad (\d+)", output)
    if rps is None or checked is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    result: dict[str, Any] = {
        "rps": float(rps.group(1)),
        "good": int(checked.group(1)),
        "bad": int(checked.group(2)),
    }
    for pct in ("50", "75", "90", "99"):
        match = re.search(rf"^\s+{pct}%\s+(\S+)", output, re.MULTILINE)
        result[f"p{pct}"] = _seconds(match.group(1)) if match else float("nan")
    errors = re.search(r"Socket errors: (.*)", output)
    result["socket_errors"] = errors.group(1).strip() if errors else ""
    return result


def run(
    url: str,
    *,
    cookie: str,
    marker: str,
    threads: int,
    connections: int,
    duration: float,
    script_dir: Path,
) -> dict[str, Any]:
    """`wrk -t<threads> -c<connections> -d<duration>s --latency` with the session cookie."""
    script = script_dir / "check.lua"
    script.write_text(LUA)
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    cmd = [
        wrk_path() or "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s",
        "--latency", "--timeout", "10s", *headers, "-s", str(script), url,
    ]  # fmt: skip
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=duration + 60, check=False,
        env={"WRK_MARKER": marker, "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"wrk exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    result = parse(proc.stdout)
    shown = ["-H 'Cookie: sessionid=…; csrftoken=…'"] if cookie else []
    result["command"] = " ".join([*cmd[:4], "--latency", *shown, url])
    return result


# --- The bare-hello comparison -------------------------------------------------------------------

GOAL_RATIO = 0.20  # each page's throughput under load, as a share of bare hello's
GOAL_SINGLE_P50_S = 0.004  # one client alone


def _median_run(runs: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """The run with the median value of `key` (the lower middle one of an even count)."""
    return sorted(runs, key=lambda run: run[key])[(len(runs) - 1) // 2]


def compare(
    base: str,
    *,
    cookie: str,
    targets: dict[str, tuple[str, str, bool]],
    threads: int,
    connections: int,
    duration: float,
    warmup: float,
    single_duration: float,
    script_dir: Path,
    rounds: int = 1,
) -> dict[str, dict[str, Any]]:
    """`rounds` times, for each target (name -> (path, marker, send the cookies)) in turn: a
    warm-up, the loaded run (threads x connections) and a single-client run (-t1 -c1). Each
    page's share of hello is taken within a round (hello measured minutes apart drifts on a
    shared machine); the figures reported are the rounds' medians."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
    for round_no in range(1, rounds + 1):
        for name, (path, marker, signed_in) in targets.items():

            def wrk(
                t: int,
                c: int,
                d: float,
                url: str = base + path,
                marker: str = marker,
                cookie: str = cookie if signed_in else "",
            ) -> Any:
                return run(url, cookie=cookie, marker=marker, threads=t, connections=c,
                           duration=d, script_dir=script_dir)  # fmt: skip

            if warmup:
                wrk(threads, connections, warmup)
            loaded = wrk(threads, connections, duration)
            single = wrk(1, 1, single_duration)
            hello = runs["hello"][-1]["loaded"]["rps"] if runs.get("hello") else None
            ratio = loaded["rps"] / hello if hello and name != "hello" else 1.0
            runs[name].append({"loaded": loaded, "single": single, "ratio": ratio})
            print(
                f"  round {round_no} {name:8s} {loaded['rps']:8.1f} req/s ({ratio:.1%} of hello, "
                f"p50 {loaded['p50'] * 1000:.1f} ms) under load; one client p50 "
                f"{single['p50'] * 1000:.2f} ms ({single['rps']:.0f} req/s)"
            )
    results: dict[str, dict[str, Any]] = {}
    for name, target_runs in runs.items():
        loaded = _median_run([r["loaded"] for r in target_runs], "rps")
        single = _median_run([r["single"] for r in target_runs], "p50")
        ratio = _median_run(target_runs, "ratio")["ratio"]
        bad = sum(r["loaded"]["bad"] + r["single"]["bad"] for r in target_runs)
        socket_errors = "; ".join(
            e
            for r in target_runs
            for e in (r["loaded"]["socket_errors"], r["single"]["socket_errors"])
            if e
        )
        results[name] = {
            "loaded": loaded, "single": single, "ratio": ratio, "bad": bad,
            "socket_errors": socket_errors, "rounds": target_runs,
        }  # fmt: skip
    return results


def report(results: dict[str, dict[str, Any]], *, threads: int, connections: int) -> bool:
    """The pages' throughput as a share of bare hello's and their single-client p50 against
    the goals; True when every goal is met and every response was right."""
    ok = True
    print(
        f"\n{'target':8s} {'req/s':>9s} {'of hello':>9s} {'p50':>9s} {'p99':>9s}   "
        f"{'1 client p50':>12s}   (wrk -t{threads} -c{connections}; medians of the rounds; goals: "
        f">= {GOAL_RATIO:.0%} of hello, 1-client p50 <= {GOAL_SINGLE_P50_S * 1000:g} ms)"
    )
    for name, res in results.items():
        loaded, single, ratio = res["loaded"], res["single"], res["ratio"]
        line = (
            f"{name:8s} {loaded['rps']:9.1f} {ratio:9.1%} {loaded['p50'] * 1000:7.1f}ms "
            f"{loaded['p99'] * 1000:7.1f}ms   {single['p50'] * 1000:10.2f}ms"
        )
        if name != "hello":
            met = ratio >= GOAL_RATIO and single["p50"] <= GOAL_SINGLE_P50_S
            ok = ok and met
            line += f"   {'PASS' if met else 'MISS'}"
        if res["bad"] or res["socket_errors"]:
            ok = False
            line += f"   WRONG RESPONSES: {res['bad']} {res['socket_errors']}"
        print(line)
    for name, res in results.items():
        print(f"  {name}: {res['loaded']['command']}")
    return ok
