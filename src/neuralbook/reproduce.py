"""Re-run every measured result of the book: the command ``neuralbook results``.

The experiments are defined elsewhere: the presets, the ablations, the selection of the
``modern`` preset, the regularisation runs and the common mistakes in
[`neuralbook.experiments`][neuralbook.experiments], the hyper-parameter searches in
[`neuralbook.search`][neuralbook.search], the photographed digits in
[`neuralbook.photos`][neuralbook.photos]. [`write_results`][neuralbook.reproduce.write_results]
runs them all, part by part (`RESULT_PARTS`), and writes what they measured into
``neuralbook/results/``; the chapters read those files back with
[`load_result`][neuralbook.experiments.load_result] in their checks. This module sits
above every other: nothing in the package imports it but the command line.

Examples
--------
>>> RESULT_PARTS[:3]
('selection', 'presets', 'nielsen-seeds')
>>> [part for part in INDEPENDENT_PARTS if part not in RESULT_PARTS]  # the second process runs parts too
[]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from neuralbook import evaluation, photos, search, web
from neuralbook.baselines import class_means, darkness_fit, darkness_predict, ensemble_probabilities, nearest_mean_predict
from neuralbook.datasets import load_mnist, write_summary
from neuralbook.experiments import (
    ABLATION_BASELINES,
    ABLATION_BLOCKS,
    ABLATION_EPOCHS,
    ABLATIONS,
    COST_EPOCHS,
    COST_SEEDS,
    COST_SLOW_EPOCHS,
    DECAY,
    L2_GRID,
    LEAKAGE,
    LEAKAGE_PATIENCE,
    MISTAKE_COMPARISONS,
    MISTAKES,
    MODERN_CANDIDATES,
    NIELSEN_BASELINES,
    NIELSEN_LAMBDA,
    NIELSEN_LAMBDA_IN_BOOK_UNITS,
    NIELSEN_SEEDS,
    NO_HIDDEN_LAYER,
    ONE_BATCH,
    OVERFITTING_EPOCHS,
    PRESET_DESCRIPTIONS,
    PRESETS,
    REGULARISATION,
    RESULT_FILES,
    SCHEDULE_CHECK,
    SEEDS,
    TEST_CHOICE_SPLITS,
    _log,
    border_weights,
    build,
    choice_flattery,
    load_result,
    machine,
    make_optimizer,
    prepare_data,
    results_dir,
    run,
    run_seeds,
    run_to_dict,
    write_json,
)
from neuralbook.sanity import start_statistics, update_ratios
from neuralbook.search import RESULT_FILE, SWEEP_BASE, learning_rate_range_test
from neuralbook.serialization import save_model
from neuralbook.training import accuracy_of

__all__ = ["write_results", "RESULT_PARTS", "INDEPENDENT_PARTS", "TIMING_FILE", "whole_run_minutes", "evaluate_model"]


#: The record of the last whole run of [`write_results`][neuralbook.reproduce.write_results]:
#: how long it took, with how many processes, on which machine, and how busy the machine was.
TIMING_FILE = "timing.json"
"""The record of the last whole run of `write_results`: how long it took, on which machine, how busy it was."""

#: The parts of [`write_results`][neuralbook.reproduce.write_results], in the order they run.
RESULT_PARTS = (
    "selection", "presets", "nielsen-seeds", "baselines", "ablations", "decay", "regularisation", "one-batch", "sanity", "lr-range",
    "mistakes", "leakage", "threads", "modern", "summary", "web", "search", "photos", "cost-seeds", "search-confirmation", "test-choice",
    "capstone", "halving",
)
"""The parts of `write_results`, in the order they run."""

#: The parts that need nothing from the others: with ``jobs=2``, `write_results` runs
#: them in one process and the rest in another, side by side (chosen so that the two
#: processes take about as long as each other).
INDEPENDENT_PARTS = ("ablations", "decay", "regularisation")
"""The parts that `write_results` runs in a process of their own with ``jobs=2``, beside the others."""


# --8<-- [start:write_results]
def write_results(data_dir=None, out_dir=None, *, only=None, progress=False, web_path=None, jobs=1) -> list[Path]:
    """Re-run every measured result of the book and write it into ``out_dir``.

    Every comparison is trained with each seed of `SEEDS`; only the presets, the final
    models, are measured on the test set. It logs each run to stderr with the time
    elapsed. A whole run records how long it took in `TIMING_FILE` (the command's help
    quotes it); it is many times longer on a busy machine: run it alone.

    The book's results were written with ``jobs=2``: two processes, each with one BLAS
    thread. (Two processes that each use two threads on two cores wait for each other
    at every matrix product.) The number of BLAS
    threads changes the last bits of every run, so ``jobs=1`` in a Python started
    with ``OMP_NUM_THREADS=1`` gives the same numbers, and ``jobs=1`` with two threads
    gives numbers that differ within the noise of the seeds.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        Where the MNIST files are (else ``$NEURALBOOK_DATA``, the cache, a download).
    out_dir : str or os.PathLike, optional
        Default: the package's ``results`` folder (``src/neuralbook/results``).
    only : iterable of str, optional
        A subset of `RESULT_PARTS` (default: all of them).
    progress : bool
        Progress bars while training.
    web_path : str or os.PathLike, optional
        Where the in-page digit widget's weights go (default: the one the
        chapter *Draw your own digit* reads).
    jobs : int
        1: every part in this process. 2: the `INDEPENDENT_PARTS` in one fresh Python
        process and the others in a second, side by side, each with one BLAS thread.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """

    out_dir = Path(out_dir) if out_dir is not None else results_dir()
    parts = set(only or RESULT_PARTS)
    unknown = parts - set(RESULT_PARTS)
    if unknown:
        raise ValueError(f"unknown result parts {sorted(unknown)}; expected some of: {', '.join(RESULT_PARTS)}")
    started, load_at_start = time.perf_counter(), _load_average()
    groups = [
        [part for part in RESULT_PARTS if part in parts and part not in INDEPENDENT_PARTS],
        [part for part in RESULT_PARTS if part in parts and part in INDEPENDENT_PARTS],
    ]
    groups = [group for group in groups if group]
    if jobs > 1 and len(groups) > 1:
        written = _write_in_processes(groups, data_dir, out_dir, progress, web_path)
    else:
        written = _write_parts(parts, data_dir, out_dir, progress, web_path)
        _log("done")
    if parts == set(RESULT_PARTS):  # a whole run: how long the book's results take, for the help to quote
        timing = {"jobs": min(jobs, len(groups)), "seconds": time.perf_counter() - started,
                  "load_average_at_start": load_at_start, "load_average_at_end": _load_average()}
        written.append(write_json(out_dir / TIMING_FILE, {"machine": machine(), "written": time.strftime("%Y-%m-%d")} | timing))
    return written


def _load_average() -> float | None:
    """The machine's load average over the last minute (None where the system has none)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def whole_run_minutes() -> int:
    """How many minutes the last whole `write_results` took, rounded to five, as the help quotes it.

    Examples
    --------
    >>> whole_run_minutes() % 5
    0
    """
    return 5 * round(load_result(TIMING_FILE)["seconds"] / 300)
# --8<-- [end:write_results]


def _write_parts(parts, data_dir, out_dir, progress, web_path) -> list[Path]:
    """The work of `write_results` in this process: each part of ``parts``, in order."""
    data = load_mnist(data_dir, progress=progress)
    written = []
    stamp = {"machine": machine(), "written": time.strftime("%Y-%m-%d"), "seeds": list(SEEDS)}

    def save(part, data):
        written.append(write_json(out_dir / RESULT_FILES[part], stamp | data))
        _log(f"wrote {written[-1]}")

    if "selection" in parts:
        kept: dict = {}
        runs = run_seeds(MODERN_CANDIDATES, data, progress=progress, measure_train_accuracy=False, keep=kept)
        schedule = run_seeds(SCHEDULE_CHECK, data, progress=progress, measure_train_accuracy=False)
        chosen = max(runs, key=lambda name: np.mean(runs[name]["validation_accuracy"]))
        if PRESETS["modern"] != MODERN_CANDIDATES[chosen][1].replace(validation_size=0, epochs=PRESETS["modern"].epochs):
            _log(f"WARNING: the validation set now chooses {chosen!r}; the modern preset must be changed to it")
        split = prepare_data(MODERN_CANDIDATES[chosen][1], data)
        ensembles = {  # each candidate's five networks, their probabilities averaged, on the validation set
            name: _ensemble_record([kept[(name, seed)] for seed in SEEDS], split.validation_images, split.validation_labels)
            for name in MODERN_CANDIDATES
        }
        save("selection", {"chosen": chosen, "rule": "highest mean final validation accuracy over the seeds", "runs": runs, "ensembles": ensembles, "schedule_check": schedule})
    trained: dict = {}
    if "presets" in parts:
        configs = {name: (PRESET_DESCRIPTIONS[name], config) for name, config in PRESETS.items()}
        save("presets", {"runs": _runs(configs, data, progress, trained)})
        nielsen = trained["nielsen"]  # kept for the figure of what its hidden neurons look for
        model_path = out_dir / RESULT_FILES["nielsen-model"]
        save_model(model_path, nielsen.network, history=nielsen.history.to_dict(),
                   metadata={"preset": "nielsen", "config": nielsen.config.to_dict(), "test_accuracy": nielsen.test_accuracy})
        written.append(model_path)
    if "nielsen-seeds" in parts:
        kept = {}  # seed 0 is the run of the presets above, when they ran in this process
        runs = run_seeds(NIELSEN_SEEDS, data, progress=progress, measure_test=True, keep=kept, reuse=trained.values())
        runs["nielsen"]["test_accuracy"] = [record["test_accuracy"] for record in runs["nielsen"]["runs"]]
        split = prepare_data(PRESETS["nielsen"], data)
        results = [kept[("nielsen", seed)] for seed in SEEDS]
        save("nielsen-seeds", {
            "runs": runs,
            "ensemble_validation": _ensemble_record(results, split.validation_images, split.validation_labels),
        })
    if "baselines" in parts:
        save("baselines", _baselines(data, progress))
    if "ablations" in parts:
        kept = {}
        runs = run_seeds(ABLATIONS, data, progress=progress, keep=kept)
        _add_border_weights(runs, kept)
        save("ablations", {"epochs": ABLATION_EPOCHS, "blocks": list(ABLATION_BLOCKS), "baselines": ABLATION_BASELINES, "runs": runs})
    if "decay" in parts:
        kept = {}
        runs = run_seeds(DECAY, data, progress=progress, keep=kept)
        _add_border_weights(runs, kept)
        save("decay", {"epochs": ABLATION_EPOCHS, "runs": runs})
    if "regularisation" in parts:
        runs = run_seeds(REGULARISATION, data, progress=progress, measure_train_loss=True)
        l2 = [f"l2-{lam:g}" for lam in L2_GRID]
        chosen = max(l2, key=lambda name: np.mean(runs[name]["validation_accuracy"]))
        save("overfitting", runs["none"]["runs"][0] | {"description": "Nielsen's network on 1,000 images, seed 0"})
        save("regularisation", {
            "epochs": OVERFITTING_EPOCHS, "l2_grid": list(L2_GRID), "chosen_l2": chosen,
            "nielsen_lambda": NIELSEN_LAMBDA, "nielsen_lambda_in_book_units": NIELSEN_LAMBDA_IN_BOOK_UNITS, "runs": runs,
        })
    if "one-batch" in parts:
        result = run(ONE_BATCH, data, measure_test=False, progress=progress)
        save("one-batch", run_to_dict(result, "one-batch"))
    if "sanity" in parts:  # the one-batch run's network before its first step, and after it
        split = prepare_data(ONE_BATCH, data)
        network = build(ONE_BATCH)[0]
        report = start_statistics(network, split.train_images, split.train_labels)
        report["update_ratios"] = update_ratios(network, make_optimizer(ONE_BATCH), split.train_images, split.train_labels)
        save("sanity", {"config": ONE_BATCH.to_dict()} | report)
    if "lr-range" in parts:  # Choosing hyper-parameters: the range test beside the sweep
        split = prepare_data(SWEEP_BASE, data)  # the training images only
        tests = [learning_rate_range_test(SWEEP_BASE.replace(seed=seed), (split.train_images, split.train_labels)) for seed in SEEDS]
        save("lr-range", {"tests": tests})
    if "mistakes" in parts:
        compared = {name: MISTAKES[name] for name in MISTAKE_COMPARISONS}
        shown = {name: entry for name, entry in MISTAKES.items() if name not in MISTAKE_COMPARISONS}
        runs = run_seeds(compared, data, progress=progress) | run_seeds(shown, data, seeds=SEEDS[:1], progress=progress)
        save("mistakes", {"runs": {name: runs[name] for name in MISTAKES}})
    if "leakage" in parts:
        honest = run_seeds({"honest": LEAKAGE["honest"]}, data, progress=progress, measure_test=True)
        leaked = run_seeds({"leaked": LEAKAGE["leaked"]}, data, progress=progress)
        honest["honest"]["test_accuracy"] = [r["test_accuracy"] for r in honest["honest"]["runs"]]
        # With validate_on_test the "validation" accuracy of every epoch is the test accuracy,
        # and the network the rule keeps is the one with the best of those.
        leaked["leaked"]["test_accuracy"] = [r["best_validation_accuracy"] for r in leaked["leaked"]["runs"]]
        save("leakage", {"patience": LEAKAGE_PATIENCE, "runs": honest | leaked})
    if "cost-seeds" in parts:
        costs = {name: (description, config.replace(epochs=COST_EPOCHS)) for name, (description, config) in ABLATIONS.items()
                 if name in ("quadratic", "cross-entropy")}
        runs = run_seeds(costs, data, seeds=COST_SEEDS, progress=progress, measure_train_accuracy=False)
        quadratic = runs["quadratic"]
        slowest = quadratic["seeds"][int(np.argmin(quadratic["validation_accuracy"]))]
        _log(f"cost-seeds: quadratic seed {slowest} for {COST_SLOW_EPOCHS} epochs")
        config = ABLATIONS["quadratic"][1].replace(seed=slowest, epochs=COST_SLOW_EPOCHS)
        slow = run_to_dict(run(config, data, measure_test=False, measure_train_accuracy=False, progress=progress), "quadratic")
        save("cost-seeds", {"epochs": COST_EPOCHS, "runs": runs, "slowest_quadratic_seed": slowest, "slow_seed_followed": slow})
    if "threads" in parts:
        save("threads", {"preset": "quick", "runs": [_thread_run(threads, data_dir) for threads in (1, 2)]})
    if "modern" in parts:  # "web" alone exports the model already in out_dir
        config = PRESETS["modern"]
        if "modern" in trained:
            result = trained["modern"]  # the run of the presets above: same config, same seed
        else:
            _log("modern model")
            result = run(config, data, progress=progress)
        model_path = out_dir / RESULT_FILES["modern-model"]
        metadata = {"preset": "modern", "config": config.to_dict(), "test_accuracy": result.test_accuracy}
        save_model(model_path, result.network, history=result.history.to_dict(), metadata=metadata)
        evaluation = evaluate_model(result.network, data) | {"run": run_to_dict(result, "modern")}
        written += [model_path, write_json(out_dir / RESULT_FILES["modern-evaluation"], stamp | evaluation)]
    if "summary" in parts:
        written.append(write_summary(out_dir / "mnist-summary.npz", data_dir))
    if "web" in parts:
        target = web_path
        if target is None and (Path(__file__).resolve().parents[2] / "docs").is_dir():  # in a checkout
            target = Path(__file__).resolve().parents[2] / web.SITE_MODEL
        if target is not None:
            written.append(web.export_web(out_dir / RESULT_FILES["modern-model"], target))
    if "search" in parts:  # Choosing hyper-parameters and the capstone (validation data only)
        _log("search: learning-rate sweep, coarse-to-fine search, learning curve, the measured exercises")
        written += search.write_results(data, out_dir, progress=progress, data_dir=data_dir)
    if "search-confirmation" in parts and "search" not in parts:  # the search's last stage alone, on its recorded trials
        _log("search-confirmation: the finalists and the sweep's choice with fresh seeds")
        written.append(search.rewrite_confirmation(data, out_dir, progress=progress))
    if "test-choice" in parts:  # after the search, whose runs it re-scores. Tuning on the test set: every run of the sweep and the search, chosen on test or validation
        written_now = out_dir / RESULT_FILE  # the search this run just wrote, else the one shipped
        recorded = json.loads(written_now.read_text(encoding="utf-8")) if written_now.is_file() else load_result(RESULT_FILE)
        sweep, found = recorded["learning_rate_sweep"], recorded["search"]
        candidates = [(rate, SWEEP_BASE.batch_size, seed) for rate in sweep["learning_rates"] for seed in sweep["seeds"]]
        candidates += [(t["learning_rate"], t["batch_size"], SWEEP_BASE.seed) for t in found["trials"]]
        candidates += [(s["learning_rate"], s["batch_size"], seed) for s in [*found["finalists"], found["reference"]] for seed in found["seeds"]]
        choices, correct = [], []
        for rate, batch_size, seed in candidates:
            result = run(SWEEP_BASE.replace(learning_rate=rate, batch_size=batch_size, seed=seed), data, measure_test=False,
                         measure_train_accuracy=False, progress=progress)
            if result.diverged is not None:
                right = np.zeros(len(data.test_labels), dtype=bool)
                validation = 0.0
            else:
                right = result.network.forward(data.test_images).argmax(axis=1) == data.test_labels
                validation = result.history[-1].validation_accuracy
            choices.append({"learning_rate": rate, "batch_size": batch_size, "seed": seed,
                         "validation_accuracy": validation, "test_accuracy": float(right.mean())})
            correct.append(right)
            _log(f"test-choice: eta={rate} seed {seed}: validation {validation}, test {right.mean():.4f}")
        flattery = choice_flattery([r["validation_accuracy"] for r in choices], np.array(correct))
        del flattery["half_b"]  # recomputed from the seed when needed
        save("test-choice", {"config": SWEEP_BASE.to_dict(), "runs": choices,
                             "splits": TEST_CHOICE_SPLITS, "split_seed": 0, "choices": flattery})
    if "capstone" in parts:  # the capstone written from scratch, its bonus questions
        _log("capstone: the network from scratch with every seed, its widths and a cosine schedule")
        written.append(search.write_capstone(data, out_dir, progress=progress))
    if "halving" in parts:  # Choosing hyper-parameters: Nielsen's halving rule on the 1,000-image runs
        written.append(search.write_halving(data, out_dir, progress=progress))
    if "photos" in parts:  # Draw your own digit: needs the modern model above
        _log("photos: synthetic photos, shifts and scikit-learn's digits read by the modern model")
        written.append(photos.write_results(out_dir / "photos.json", data_dir, out_dir / RESULT_FILES["modern-model"], progress=progress))
    return written


def _write_in_processes(groups, data_dir, out_dir, progress, web_path) -> list[Path]:
    """Run ``neuralbook results --only GROUP --jobs 1`` for each group in its own Python, side by side.

    Each process gets one BLAS thread (see `write_results`). Their logs go to this
    process's stderr; the files they wrote are read from their standard output.
    Raises if one fails, after stopping the others.
    """
    names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
    env = os.environ | {name: "1" for name in names}
    processes = []
    for group in groups:
        command = [sys.executable, "-m", "neuralbook", "results", "--jobs", "1", "--only", *group, "--out-dir", str(out_dir)]
        if data_dir is not None:
            command += ["--data-dir", str(data_dir)]
        if web_path is not None and "web" in group:
            command += ["--web-out", str(web_path)]
        if progress:
            command.append("--progress")
        _log(f"a process with one BLAS thread for: {', '.join(group)}")
        processes.append((subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env), group))
    written, failed = [], []
    try:
        for process, group in processes:
            output, _ = process.communicate()
            if process.returncode != 0:
                failed.append(f"{', '.join(group)} (exit status {process.returncode})")
            written += [Path(line.removeprefix("wrote ")) for line in output.splitlines() if line.startswith("wrote ")]
    finally:
        for process, _ in processes:
            if process.poll() is None:
                process.terminate()  # no orphan left running when this process fails or is interrupted
    if failed:
        raise RuntimeError(f"the process for {'; '.join(failed)} failed; its log is above")
    _log("done")
    return written


def _runs(configs: dict, data, progress, keep=None, measure_test=True) -> dict:
    """One run of each config (the presets: final models, measured on the test set)."""
    runs = {}
    for name, (description, config) in configs.items():
        _log(f"{name}: {description}")
        result = run(config, data, measure_test=measure_test, progress=progress)
        if keep is not None:
            keep[name] = result
        runs[name] = run_to_dict(result, name) | {"description": description}
        _log(f"  validation {result.history.best_validation_accuracy}, test {result.test_accuracy}, {runs[name]['total_seconds']:.1f} s")
    return runs


def _ensemble_record(results, images, labels) -> dict:
    """How the average of ``results``' networks' probabilities scores, next to each network alone."""
    probabilities = ensemble_probabilities([result.network for result in results], images)
    return {
        "seeds": [result.config.seed for result in results],
        "accuracy": float(np.mean(probabilities.argmax(axis=1) == labels)),
        "single_accuracy": [accuracy_of(result.network, images, labels) for result in results],
    }


def _baselines(data, progress) -> dict:
    """The nearest class mean, the average darkness and the networks with no hidden layer, on validation."""
    split = prepare_data(PRESETS["nielsen"], data)  # the same 50,000 training and 10,000 validation images
    means = class_means(split.train_images, split.train_labels)
    darkness = darkness_fit(split.train_images, split.train_labels)
    validation = split.validation_labels
    nearest = float(np.mean(nearest_mean_predict(means, split.validation_images) == validation))
    dark = float(np.mean(darkness_predict(darkness, split.validation_images) == validation))
    _log(f"nearest class mean: validation {nearest}; average darkness: validation {dark}")
    return {
        "nearest_class_mean": {"validation_accuracy": nearest, "train_size": len(split.train_images)},
        "darkness": {"validation_accuracy": dark, "class_darkness": darkness.tolist()},
        "nielsen": NIELSEN_BASELINES,
        "runs": run_seeds(NO_HIDDEN_LAYER, data, progress=progress),
    }


def _add_border_weights(runs: dict, kept: dict) -> None:
    """Record, for each ReLU run, how far its border-pixel weights moved from their start."""
    for (name, seed), result in kept.items():
        if result.config.hidden_activation != "relu" or result.diverged is not None:
            continue
        initial = border_weights(build(result.config)[0])  # the same seed draws the same start
        final = border_weights(result.network)
        seeds = runs[name]["seeds"]
        runs[name]["runs"][seeds.index(seed)]["border_weights"] = {
            "count": int(final.size),
            "mean_abs_initial": float(np.mean(np.abs(initial))),
            "mean_abs_final": float(np.mean(np.abs(final))),
            "max_abs_final": float(np.max(np.abs(final))),
            "unchanged_fraction": float(np.mean(initial == final)),
        }


def _thread_run(threads: int, data_dir) -> dict:
    """The quick preset trained in a fresh Python whose BLAS uses ``threads`` threads."""
    code = (
        "import hashlib, json, sys\n"
        "from neuralbook.datasets import load_mnist\n"
        "from neuralbook.experiments import PRESETS, run\n"
        "result = run(PRESETS['quick'], load_mnist(sys.argv[1] if len(sys.argv) > 1 else None, progress=False), measure_test=False, progress=False)\n"
        "digest = hashlib.sha256(b''.join(p.tobytes() for p in result.network.parameters())).hexdigest()\n"
        "print(json.dumps({'validation_accuracy': result.history[-1].validation_accuracy, 'parameters_sha256': digest}))\n"
    )
    names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
    env = os.environ | {name: str(threads) for name in names}
    args = [sys.executable, "-c", code] + ([str(data_dir)] if data_dir is not None else [])
    output = subprocess.run(args, env=env, capture_output=True, text=True, check=True).stdout
    return {"threads": threads} | json.loads(output.strip().splitlines()[-1])


def evaluate_model(network, data, examples: int = 24) -> dict:
    """Test-set evaluation of a trained network, with what the book's figures need.

    The confusion matrix, per-class accuracy, the most-confused pairs, and the first
    ``examples`` misclassified test images (as bytes 0-255) with their labels,
    predictions and probabilities.
    """
    report = evaluation.evaluate(network, data.test_images, data.test_labels)
    probabilities = network.forward(data.test_images)
    predictions = report.predicted
    wrong = np.flatnonzero(predictions != data.test_labels)
    shown = wrong[:examples]
    return {
        "accuracy": report.accuracy,
        "errors": report.num_errors,
        "test_size": report.num_examples,
        "confusion_matrix": report.confusion_matrix.tolist(),
        "per_class_accuracy": [float(v) for v in report.per_class_accuracy],
        "most_confused": [[int(t), int(p), int(c)] for t, p, c in evaluation.most_confused_pairs(report.confusion_matrix, top=10)],
        "misclassified": {
            "index": shown.tolist(),
            "label": data.test_labels[shown].tolist(),
            "predicted": predictions[shown].tolist(),
            "probability": [float(probabilities[i, predictions[i]]) for i in shown],
            "probability_of_label": [float(probabilities[i, data.test_labels[i]]) for i in shown],
            "images": np.rint(data.test_images[shown] * 255).astype(np.uint8).tolist(),
        },
    }
