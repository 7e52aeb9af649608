"""Fast and light, measured as a user sees it: a first map in seconds, no hidden compile wait, the
whole vocabulary at 100,000 words, a million words without a freeze, an idle server that stays idle,
and training at bare-gensim speed. Every figure stands beside its baseline from the same run.

    python benchmarks/scale_bench.py                      # every part (about an hour on two cores)
    python benchmarks/scale_bench.py --only idle train    # some parts; the others' figures are kept

Parts (each writes its own section of ``benchmarks/results/scale.json``):

- **first-map**: ``streamlit run`` on a fresh store to the Home map drawn (5,000 points), median of 3;
  baseline: the same servers' ``/_stcore/health`` time.
- **compile**: the first UMAP map (5,000 words, Explore, no fixed seed) of a new server process
  with the background warm-up (settled first) and without it; baseline: a warm UMAP of other
  parameters in the same server.
- **100k**: a synthetic 100,000-word x 100 model: Explore "Project" to the map drawn for PCA
  (baseline: the PCA computed alone in the engine), UMAP 2D (parallel) and t-SNE 2D (openTSNE,
  FFT), each with the trustworthiness of a seeded UMAP beside the parallel one; redraws that
  recompute nothing (colour, labels, search), each timed to the new map.
- **1m**: a 1,000,000-word x 100 word2vec text file: ``embedviz import`` (peak memory of the
  process; baseline: the matrix's own size), neighbours and analogies (baseline: gensim
  ``most_similar`` on the same matrix), and Explore's PCA of all 1,000,000 words drawn (the image
  plus 20,000 points) against the same map sent as 1,000,000 plotly points
  (``EMBEDVIZ_MAP_POINTS=2000000``), given up after ``--freeze-limit`` seconds.
- **idle**: CPU of the server over 30 s after a session (a training, maps, page switches), with the
  project's config (no file watcher) against ``--server.fileWatcherType auto``.
- **train**: ``python -m embedviz train`` on both bundled corpora against a bare gensim script
  (csv + simple_preprocess + Word2Vec, same parameters, vectors saved), whole processes, A B A B.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import (MAP, AppServer, goto, map_fingerprint, metric_value, navigate, open_browser,  # noqa: E402
                             select_model,
                             start_training, type_and_enter, wait_idle, wait_new_map, wait_plot)

RESULTS = ROOT / "benchmarks" / "results" / "scale.json"
PARTS = ("first-map", "compile", "100k", "1m", "idle", "train")


def synthetic_file(path: Path, n: int, dim: int = 100, clusters: int = 300, seed: int = 0) -> Path:
    """A word2vec text file of ``n`` clustered random vectors (``w0`` ... most frequent first)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim)).astype(np.float32)
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"{n} {dim}\n")
        for start in range(0, n, 50_000):
            rows = min(50_000, n - start)
            block = centres[rng.integers(clusters, size=rows)] + 0.6 * rng.normal(size=(rows, dim)).astype(np.float32)
            lines = (f"w{start + i} " + " ".join(f"{v:.4f}" for v in row) for i, row in enumerate(block))
            f.write("\n".join(lines) + "\n")
    return path


def peak_memory(command: list[str], env: dict | None = None) -> tuple[float, float]:
    """Run ``command``; its wall time and peak resident memory (MB), polled every 20 ms."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=str(ROOT), env={**os.environ, **(env or {})},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watched, peak = psutil.Process(process.pid), 0
    while process.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.Error:
            break
        time.sleep(0.02)
    if process.returncode:
        raise RuntimeError(process.stderr.read().decode()[-2000:])
    return time.perf_counter() - started, peak / 1e6


def import_model(home: Path, path: Path, name: str) -> dict:
    seconds, peak = peak_memory([sys.executable, "-m", "embedviz", "--home", str(home), "import", str(path),
                                 "--name", name], env={"EMBEDVIZ_MAX_UPLOAD_MB": "4000"})
    return {"seconds": round(seconds, 1), "peak_mb": round(peak)}


def click_project(page, method: str, words: int | None, every: bool, timeout: float, fixed: bool = False) -> float:
    """Set the form (method, words or all), click Project, time until the new map is drawn."""
    box = page.get_by_role("combobox", name="Method", exact=True)
    if box.input_value() != method:
        box.click()
        page.get_by_role("option", name=method, exact=True).click()
    checkbox = page.locator("[data-testid=stCheckbox]").filter(has_text="words").first
    if checkbox.locator("input").is_checked() != every:
        checkbox.click()
    seeded = page.locator("[data-testid=stCheckbox]").filter(has_text="Fixed seed for UMAP").first
    if seeded.locator("input").is_checked() != fixed:
        seeded.click()
    if words is not None and not every:
        field = page.get_by_label("Words (most frequent first)", exact=True)
        field.fill(str(words))
        field.press("Tab")
    old = map_fingerprint(page)
    started = time.monotonic()
    page.get_by_role("button", name="Project", exact=True).click()
    wait_new_map(page, words or 0, old, timeout, exact=False)
    return round(time.monotonic() - started, 2)


def redraw(page, action, timeout: float = 60) -> float:
    old = map_fingerprint(page)
    started = time.monotonic()
    action()
    wait_new_map(page, 0, old, timeout, exact=False)
    return round(time.monotonic() - started, 2)


# -- parts -----------------------------------------------------------------------------------------------
def bench_first_map(playwright, work: Path) -> dict:
    rows = []
    with open_browser(playwright) as browser:
        page = browser.new_page()
        for run in range(3):
            home = work / f"first-{run}" / "store"
            with AppServer(home, log=work / f"first-{run}.log") as server:
                started = server.started
                page.goto(server.url, wait_until="domcontentloaded", timeout=180_000)
                wait_plot(page, at_least=5000, timeout=180)
                rows.append({"map_s": round(time.monotonic() - started, 2),
                             "health_s": round(server.healthy_after, 2)})
                print(f"  first map: {rows[-1]}", flush=True)
    return {"runs": rows, "median_map_s": statistics.median(r["map_s"] for r in rows),
            "median_health_s": statistics.median(r["health_s"] for r in rows)}


def bench_compile(playwright, work: Path) -> dict:
    out = {}
    with open_browser(playwright) as browser:
        page = browser.new_page()
        for warm_up in ("1", "0"):
            home = work / f"compile-{warm_up}" / "store"
            with AppServer(home, env={"EMBEDVIZ_UMAP_WARM_UP": warm_up}, log=work / f"compile-{warm_up}.log") as server:
                goto(page, server)
                wait_plot(page, at_least=5000, timeout=180)
                if warm_up == "1":
                    settle(psutil.Process(server.process.pid))
                navigate(page, "Explore", "explore")
                wait_plot(page, MAP, timeout=180)
                first = click_project(page, "UMAP", 5000, False, 600)
                page.get_by_label("UMAP neighbours", exact=True).fill("20")
                warm = click_project(page, "UMAP", 5000, False, 600)
                out["with warm-up" if warm_up == "1" else "without warm-up"] = {
                    "first_umap_s": first, "warm_umap_s": warm, "ratio": round(first / warm, 2)}
                print(f"  compile (warm-up {warm_up}): first {first} s, warm {warm} s", flush=True)
    return out


def settle(process, window: float = 5.0, below: float = 0.05, timeout: float = 400) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        before = sum(process.cpu_times()[:2])
        time.sleep(window)
        if (sum(process.cpu_times()[:2]) - before) / window < below:
            break
    return time.monotonic() - started


def bench_100k(playwright, work: Path, tsne: bool) -> dict:
    from embedviz.space.projection import project
    from embedviz.vectors.store import Store

    home = work / "100k" / "store"
    home.mkdir(parents=True)
    out = {"import": import_model(home, synthetic_file(work / "w100k.txt", 100_000), "w100k")}
    vectors = Store(home).load("w100k")
    started = time.perf_counter()
    project(vectors, "pca", 2, None, trust=False)
    out["pca_compute_alone_s"] = round(time.perf_counter() - started, 2)
    with open_browser(playwright) as browser, AppServer(home, log=work / "100k.log") as server:
        page = browser.new_page()
        goto(page, server, "explore")
        wait_plot(page, MAP, timeout=180)
        select_model(page, "w100k", timeout=300)
        wait_plot(page, MAP, timeout=300)
        out["pca_map_s"] = click_project(page, "PCA", None, True, 300)
        wait_idle(page, 300)
        out["pca_trust"] = metric_value(page, "Trustworthiness")
        out["recolour_s"] = redraw(page, lambda: page.get_by_text("Frequency", exact=True).click())
        out["labels_s"] = redraw(page, lambda: page.get_by_role("slider").last.press("ArrowRight"))
        out["search_s"] = redraw(page, lambda: type_and_enter(page, "Find a word", "w10"))
        print(f"  100k PCA: {out}", flush=True)
        out["umap_parallel_map_s"] = click_project(page, "UMAP", None, True, 900)
        wait_idle(page, 600)
        out["umap_parallel_trust"] = metric_value(page, "Trustworthiness")
        out["umap_seeded_map_s"] = click_project(page, "UMAP", None, True, 1800, fixed=True)
        wait_idle(page, 600)
        out["umap_seeded_trust"] = metric_value(page, "Trustworthiness")
        print(f"  100k UMAP: parallel {out['umap_parallel_map_s']} s, seeded {out['umap_seeded_map_s']} s", flush=True)
        if tsne:
            out["tsne_map_s"] = click_project(page, "t-SNE", None, True, 3600)
            wait_idle(page, 600)
            out["tsne_trust"] = metric_value(page, "Trustworthiness")
            print(f"  100k t-SNE: {out['tsne_map_s']} s", flush=True)
    return out


def bench_1m(playwright, work: Path, freeze_limit: float) -> dict:
    from embedviz.space.analogy import solve
    from embedviz.space.neighbours import neighbours
    from embedviz.vectors.store import Store

    home = work / "1m" / "store"
    home.mkdir(parents=True)
    path = synthetic_file(work / "w1m.txt", 1_000_000)
    out = {"file_mb": round(path.stat().st_size / 1e6), "matrix_mb": 400,
           "import": import_model(home, path, "w1m")}
    print(f"  1M import: {out['import']}", flush=True)
    vectors = Store(home).load("w1m")
    kv = vectors.to_keyed_vectors()
    vectors.unit, kv.fill_norms()  # both normalised before timing
    ours_n, bare_n, ours_a, bare_a = [], [], [], []
    for i in range(20):
        word, other = f"w{i * 997}", f"w{i * 991 + 5}"
        t = time.perf_counter(); neighbours(vectors, word, k=10); ours_n.append(time.perf_counter() - t)
        t = time.perf_counter(); kv.most_similar(word, topn=10); bare_n.append(time.perf_counter() - t)
        t = time.perf_counter(); solve(vectors, f"{word} - {other} + w3", k=10); ours_a.append(time.perf_counter() - t)
        t = time.perf_counter(); kv.most_similar(positive=[word, "w3"], negative=[other], topn=10)
        bare_a.append(time.perf_counter() - t)
    ms = lambda xs: round(1000 * statistics.median(xs), 1)  # noqa: E731
    out.update(neighbours_ms=ms(ours_n), gensim_neighbours_ms=ms(bare_n), analogy_ms=ms(ours_a),
               gensim_analogy_ms=ms(bare_a))
    del kv, vectors
    with open_browser(playwright) as browser:
        for case, env in (("image + 20,000 points", {}), ("1,000,000 plotly points", {"EMBEDVIZ_MAP_POINTS": "2000000"})):
            with AppServer(home, env=env, log=work / f"1m-{len(env)}.log") as server:
                page = browser.new_page()
                goto(page, server, "explore")
                wait_plot(page, MAP, timeout=300)
                select_model(page, "w1m", timeout=600)
                wait_plot(page, MAP, timeout=600)
                try:
                    seconds = click_project(page, "PCA", None, True, freeze_limit)
                    responsive = page.evaluate("() => new Promise(r => { const t = performance.now(); "
                                               "setTimeout(() => r(performance.now() - t), 0); })")
                    out[case] = {"map_s": seconds, "event_loop_delay_ms": round(responsive, 1)}
                except Exception as exc:  # noqa: BLE001 - a frozen tab is a result here
                    out[case] = {"map_s": None, "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
                print(f"  1M Explore, {case}: {out[case]}", flush=True)
                page.close()
    return out


def bench_idle(playwright, work: Path) -> dict:
    out = {}
    for watcher in (None, "auto"):
        home = ROOT / "data" / f"store-bench-idle-{os.getpid()}"
        try:
            with AppServer(home, watcher=watcher, env={"EMBEDVIZ_UMAP_WARM_UP": "1"},
                           log=work / f"idle-{watcher}.log") as server, open_browser(playwright) as browser:
                page = browser.new_page()
                goto(page, server)
                wait_plot(page, at_least=5000, timeout=180)
                navigate(page, "Train", "train")
                start_training(page, 1, "idle-run")
                page.get_by_text("Done:").first.wait_for(timeout=300_000)
                navigate(page, "Explore", "explore")
                wait_plot(page, MAP, timeout=300)
                for title, path in (("Analogies", "analogies"), ("Models", "models"), ("Home", "")):
                    navigate(page, title, path)
                process = psutil.Process(server.process.pid)
                time.sleep(90)  # past the warm-up and the training
                before, started = sum(process.cpu_times()[:2]), time.monotonic()
                time.sleep(30)
                share = (sum(process.cpu_times()[:2]) - before) / (time.monotonic() - started)
                log = server.log(1_000_000)
                case = "no watcher (config.toml)" if watcher is None else "watcher auto"
                out[case] = {"idle_cpu_share": round(share, 4),
                             "watcher_warnings": sum("Inotify" in line for line in log.splitlines())}
                print(f"  idle, {case}: {out[case]}", flush=True)
        finally:
            import shutil

            shutil.rmtree(home, ignore_errors=True)
    return out


BARE = r"""
import csv, gzip, sys
from gensim.models import Word2Vec
from gensim.utils import simple_preprocess
sentences = []
for path in sys.argv[2:]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            tokens = simple_preprocess(row["text"])
            if tokens:
                sentences.append(tokens)
model = Word2Vec(sentences, vector_size=100, window=5, min_count=5, sg=0, negative=5, sample=1e-3,
                 seed=1, workers=2, epochs=5)
model.wv.save_word2vec_format(sys.argv[1], binary=True)
"""


def bench_train(work: Path, rounds: int) -> dict:
    corpora = [str(ROOT / "data" / "kjv.csv.gz"), str(ROOT / "data" / "shakespeare.csv.gz")]
    script = work / "bare_gensim.py"
    script.write_text(BARE)
    ours, bare = [], []
    for r in range(rounds):
        home = work / f"train-{r}"
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "embedviz", "--home", str(home), "train", *corpora, "--name", "t",
                        "--epochs", "5", "--workers", "2", "--quiet"], cwd=str(ROOT), check=True)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        subprocess.run([sys.executable, str(script), str(work / f"bare-{r}.bin"), *corpora], check=True)
        bare.append(time.perf_counter() - t)
        print(f"  train round {r + 1}: embedviz {ours[-1]:.1f} s, bare gensim {bare[-1]:.1f} s", flush=True)
    return {"embedviz_s": [round(x, 2) for x in ours], "bare_gensim_s": [round(x, 2) for x in bare],
            "ratio_of_medians": round(statistics.median(ours) / statistics.median(bare), 3)}


def main(argv=None) -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=PARTS, default=list(PARTS))
    parser.add_argument("--no-tsne", action="store_true", help="skip t-SNE of 100,000 words")
    parser.add_argument("--freeze-limit", type=float, default=180.0)
    parser.add_argument("--rounds", type=int, default=2, help="train: A B rounds")
    args = parser.parse_args(argv)
    results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as tmp, sync_playwright() as playwright:
        work = Path(tmp)
        for part in args.only:
            print(f"{part}:", flush=True)
            load = os.getloadavg()
            if part == "first-map":
                value = bench_first_map(playwright, work)
            elif part == "compile":
                value = bench_compile(playwright, work)
            elif part == "100k":
                value = bench_100k(playwright, work, not args.no_tsne)
            elif part == "1m":
                value = bench_1m(playwright, work, args.freeze_limit)
            elif part == "idle":
                value = bench_idle(playwright, work)
            else:
                value = bench_train(work, args.rounds)
            results[part] = {**value, "load_before": [round(x, 2) for x in load],
                             "load_after": [round(x, 2) for x in os.getloadavg()]}
            RESULTS.parent.mkdir(exist_ok=True)
            RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
