"""`qa serve --ray` on a head node of its own, driven over HTTP; run inside a private network namespace.

    unshare --net --pid --fork --kill-child --mount-proc python tests/ray_scenario.py PLAN.json OUT.json

`tests/test_ray.py` runs it so (loopback only: Ray's processes listen on every interface of the namespace, which
has nothing but `lo`; when this script ends, the namespace's processes end with it). The plan names the documents
folder, the index folder, shards, replicas, the questions to ask, and whether to write and kill a shard; the
answers and what happened are written to OUT.json for the test to check.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

GCS_PORT = 6379
HTTP_PORT = 8000
KEY = "scenario-key"
BASE = f"http://127.0.0.1:{HTTP_PORT}"
STARTED = time.monotonic()


def main(plan_path: str, out_path: str) -> None:
    plan = json.loads(Path(plan_path).read_text())
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    bin_dir = Path(sys.executable).parent
    # a generous time budget for a request (the client waits 60 s): this scenario checks what is kept through
    # kills, and on a fresh clone of a loaded machine a shard's first write may also compile its kernels (numba)
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "QA_API_KEY": KEY, "QA_REQUEST_TIMEOUT_S": "50"}
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="qa-ray-", dir=plan.get("temp")) as temp:
        subprocess.run([str(bin_dir / "ray"), "start", "--head", f"--port={GCS_PORT}", "--node-ip-address=127.0.0.1",
                        "--include-dashboard=false", "--disable-usage-stats", "--num-cpus=2",
                        "--object-store-memory=100000000", f"--temp-dir={temp}/ray"],
                       check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log_path = Path(temp) / "serve.log"
        with open(log_path, "w") as log:
            server = subprocess.Popen(_serve(plan, HTTP_PORT), env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                with httpx.Client(base_url=BASE, timeout=60) as client:
                    out.setdefault("seconds", {})["health"] = round(time.monotonic() - STARTED, 1)
                    out["health"] = _wait(client, server)
                    out["answers"] = [client.get("/ask", params={"q": q, "top_k": plan.get("top_k", 10)}).json()
                                      for q in plan.get("questions", [])]
                    out.setdefault("seconds", {})["compared"] = round(time.monotonic() - STARTED, 1)
                    out["compared"] = [_response(client.request(method, path, **options))
                                       for method, path, options in plan.get("compare", [])]
                    if plan.get("writes"):
                        out.setdefault("seconds", {})["second_server"] = round(time.monotonic() - STARTED, 1)
                        out["second_server"] = _second_server(client, plan, env)
                        out.setdefault("seconds", {})["writes"] = round(time.monotonic() - STARTED, 1)
                        out["writes"] = _writes(client, plan)
            finally:
                server.send_signal(signal.SIGTERM)
                try:
                    out.setdefault("seconds", {})["serve_exit"] = round(time.monotonic() - STARTED, 1)
                    out["serve_exit"] = server.wait(30)
                except subprocess.TimeoutExpired:
                    server.kill()
        out["serve_log"] = log_path.read_text(errors="replace")[-4000:]
        if plan.get("writes"):
            out.setdefault("seconds", {})["interrupted"] = round(time.monotonic() - STARTED, 1)
            out["interrupted"] = _interrupted(plan, env)
            out.setdefault("seconds", {})["serve_elsewhere"] = round(time.monotonic() - STARTED, 1)
            out["serve_elsewhere"] = _serve_elsewhere(plan, env)
            out.setdefault("seconds", {})["unopenable"] = round(time.monotonic() - STARTED, 1)
            out["unopenable"] = _unopenable(plan, env)
    Path(out_path).write_text(json.dumps(out))


def _serve(plan: dict[str, Any], port: int) -> list[str]:
    return [sys.executable, "-m", "qa", "serve", "--ray", f"127.0.0.1:{GCS_PORT}", "--shards", str(plan["shards"]),
            "--replicas", str(plan.get("replicas", 1)), "--documents", plan["documents"], "--index-dir",
            plan["index_dir"], "--host", "127.0.0.1", "--port", str(port)]


def _response(response: httpx.Response) -> list[Any]:
    return [response.status_code, response.json()]


def _second_server(client: httpx.Client, plan: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """Another `qa serve --ray` on the same cluster (another port) is refused, and the first one still answers."""
    done = subprocess.run(_serve(plan, HTTP_PORT + 1), env=env, capture_output=True, text=True, timeout=120)
    return {"exit": done.returncode, "stderr": [line for line in done.stderr.splitlines() if line.startswith("qa:")],
            "first_still": _response(client.get("/ask", params={"q": "harbour strike", "top_k": 1}))}


def _interrupted(plan: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """Ctrl-C during a start-up (after `delay` s): qa exits 130 promptly and leaves no actor on the cluster."""
    import ray

    server = subprocess.Popen(_serve(plan, HTTP_PORT), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    time.sleep(plan.get("interrupt_after", 4))
    server.send_signal(signal.SIGINT)
    started = time.monotonic()
    try:
        _, stderr = server.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        stderr = "still running 60 s after SIGINT"
    found = {"exit": server.returncode, "seconds": time.monotonic() - started,
             "stderr": [line for line in stderr.splitlines() if line.startswith("qa:")]}
    ray.init(address=f"127.0.0.1:{GCS_PORT}", include_dashboard=False, log_to_driver=False)
    found["actors"] = ray.util.list_named_actors(all_namespaces=True)
    ray.shutdown()
    return found


def _serve_elsewhere(plan: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """Ray Serve already runs (started by another program, or left by a killed qa) with its proxy on another
    port: qa refuses to start, naming it; given that port (which the proxy holds), qa serves there, and on
    SIGTERM removes its app and actors but leaves that Serve running."""
    import ray
    from ray import serve

    other = HTTP_PORT + 5
    ray.init(address=f"127.0.0.1:{GCS_PORT}", include_dashboard=False, log_to_driver=False)
    serve.start(http_options={"host": "127.0.0.1", "port": other})
    refused = subprocess.run(_serve(plan, HTTP_PORT), env=env, capture_output=True, text=True, timeout=120)
    found: dict[str, Any] = {"exit": refused.returncode,
                             "stderr": [line for line in refused.stderr.splitlines() if line.startswith("qa:")]}
    server = subprocess.Popen(_serve(plan, other), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with httpx.Client(base_url=f"http://127.0.0.1:{other}", timeout=60) as client:
        found["health"] = _wait(client, server)["articles"]
    server.send_signal(signal.SIGTERM)
    found["stopped"] = server.wait(60)
    found["actors"] = [actor for actor in ray.util.list_named_actors(all_namespaces=True)
                       if actor["namespace"] == "qa"]
    found["serve_still"] = ray.get_actor("SERVE_CONTROLLER_ACTOR", namespace="serve") is not None
    serve.shutdown()
    ray.shutdown()
    return found


def _unopenable(plan: dict[str, Any], env: dict[str, str]) -> list[str]:
    """Shards that cannot open their index (a machine of the cluster that does not see the index folder: here, a
    folder with no index, which `qa serve --ray` would have built first): the error qa says, and the actors left
    (in a process of its own, as `qa serve --ray` runs)."""
    script = f"""
import json, ray
from pathlib import Path
from qa.config import Settings
from qa.distributed import cluster
settings = Settings(documents=Path({plan["documents"]!r}), index_dir=Path({plan["index_dir"]!r}) / "elsewhere",
                    host="127.0.0.1", port={HTTP_PORT})
try:
    cluster.serve_on_ray(settings, "127.0.0.1:{GCS_PORT}", 2, 1)
    found = ["nothing raised"]
except Exception as error:
    found = [type(error).__name__, str(error)]
ray.init(address="127.0.0.1:{GCS_PORT}", include_dashboard=False, log_to_driver=False)
found.append(str([actor for actor in ray.util.list_named_actors(all_namespaces=True) if actor["namespace"] == "qa"]))
print(json.dumps(found))
"""
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    found: list[str] = json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else [done.stderr]
    return found


def _wait(client: httpx.Client, server: subprocess.Popen[bytes]) -> Any:
    """/health once the app answers (the shards are then open)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"qa serve --ray exited with {server.returncode}")
        try:
            response = client.get("/health")
            if response.status_code == 200:
                return response.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("qa serve --ray did not answer within 300 s")


def _writes(client: httpx.Client, plan: dict[str, Any]) -> dict[str, Any]:
    """Add an article, kill the process of the shard that holds it, and see it answered; add and remove more."""
    import ray

    from qa.distributed.layout import shard_of

    auth = {"Authorization": f"Bearer {KEY}"}
    found: dict[str, Any] = {}
    body = {"id": "ray-added", "title": "Quokka census", "text": "Rangers on Rottnest counted the zorblat quokkas "
            "of the island. The zorblat count rose again this year."}
    added = client.post("/documents", json=body, headers=auth)
    found["added"] = {**added.json(), "http_status": added.status_code}
    found["asked_added"] = client.get("/ask", params={"q": "zorblat quokkas"}).json()
    ray.init(address=f"127.0.0.1:{GCS_PORT}", namespace="qa", include_dashboard=False, log_to_driver=False)
    owner = ray.get_actor(f"qa-shard-{shard_of('ray-added', plan['shards'])}", namespace="qa")
    found["pid_before"] = pid = ray.get(owner.pid.remote())
    os.kill(pid, signal.SIGKILL)
    found["asked_after_kill"] = client.get("/ask", params={"q": "zorblat quokkas"}).json()
    found["pid_after"] = ray.get(owner.pid.remote())
    second = {"id": "ray-second", "title": "Glacier melt", "text": "The frindle glacier lost ice again."}
    found["second"] = client.post("/documents", json=second, headers=auth).json()
    found["asked_second"] = client.get("/ask", params={"q": "frindle glacier"}).json()
    found["removed"] = client.delete("/documents/ray-added", headers=auth).json()
    found["asked_removed"] = client.get("/ask", params={"q": "zorblat"}).json()
    found["health"] = client.get("/health").json()
    found["document"] = client.get("/documents/ray-second").json()
    found["unauthorised"] = client.post("/documents", json=second).status_code
    found["bad_upload"] = _response(client.post("/documents", files={"file": ("notes.exe", b"MZ")}, headers=auth))
    found["unknown_delete"] = _response(client.delete("/documents/nowhere", headers=auth))
    # a file the killed writer leaves in the folder (or a hand-made change): the restarted writer catches up
    (Path(plan["documents"]) / "ray-dropped.txt").write_text("Dropped in\n\nThe plimsoll marker was found.\n")
    writer = ray.get_actor("qa-writer", namespace="qa")
    os.kill(ray.get(writer.__ray_call__.remote(lambda self: os.getpid())), signal.SIGKILL)
    third = {"id": "ray-third", "title": "Kelp forest", "text": "Divers mapped the quillop kelp forest."}
    found["third_statuses"] = []
    for _ in range(20):  # a write that meets the restart is refused with 503 and Retry-After: 1
        response = client.post("/documents", json=third, headers=auth)
        found["third_statuses"].append(response.status_code)
        if response.status_code != 503:
            break
        time.sleep(1)
    found["asked_third"] = client.get("/ask", params={"q": "quillop kelp"}).json()
    found["asked_dropped"] = client.get("/ask", params={"q": "plimsoll marker"}).json()
    ray.shutdown()
    return found


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
