"""Figures of the chapter *Choosing hyper-parameters*.

Every figure is drawn from ``search.json``, measured by
[`neuralbook.search.write_results`][neuralbook.search.write_results], so building the
book needs no data and no training. Error bars are one standard deviation over the
seeds.
"""

from __future__ import annotations

import numpy as np

from neuralbook.plots._style import COLORS, new_figure


def _percent_axis(ax, decimals: int = 0) -> None:
    ax.yaxis.set_major_formatter(lambda value, _: f"{100 * value:.{decimals}f}%")


def _mean_and_std(runs, key):
    values = [r[key] for r in runs if r.get(key) is not None]
    if len(values) < 2:
        return np.nan, np.nan, len(values)
    return float(np.mean(values)), float(np.std(values, ddof=1)), len(values)


def plot_learning_rate_sweep():
    """Validation accuracy and final training loss against the learning rate (log scale)."""
    from neuralbook.experiments import load_result

    sweep = load_result("search.json")["learning_rate_sweep"]
    rates = sweep["learning_rates"]
    figure, (left, right) = new_figure(ncols=2, width=9.0, height=3.6)
    for ax, key, title in ((left, "validation_accuracy", "Validation accuracy"), (right, "train_loss", "Training loss, last epoch")):
        stats = [_mean_and_std(sweep["runs"][str(r)], key) for r in rates]
        means = np.array([s[0] for s in stats])
        stds = np.array([s[1] for s in stats])
        ax.errorbar(rates, means, yerr=stds, color=COLORS["function"], marker="o", capsize=3)
        for r, run_list in zip(rates, (sweep["runs"][str(r)] for r in rates)):
            values = [run[key] for run in run_list if run.get(key) is not None]
            ax.scatter([r] * len(values), values, color=COLORS["grey"], s=8, zorder=3)
        ax.set_xscale("log")
        ax.set_xlabel("learning rate η (logarithmic scale)")
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
    _percent_axis(left)
    config = sweep["config"]
    figure.suptitle(f"{config['sizes']}, SGD, batch {config['batch_size']}, {config['epochs']} epochs; {len(sweep['seeds'])} seeds each (dots)")
    return figure


def plot_random_search():
    """Every trial of the coarse-to-fine search: learning rate against validation accuracy."""
    from neuralbook.experiments import load_result

    search = load_result("search.json")["search"]
    figure, ax = new_figure(width=6.5, height=3.8)
    markers = {"coarse": "o", "fine": "^"}
    sizes = sorted(set(search["batch_sizes"]))
    colours = dict(zip(sizes, (COLORS["function"], COLORS["derivative"], COLORS["accent"], COLORS["good"])))
    for stage in ("coarse", "fine"):
        for size in sizes:
            trials = [t for t in search["trials"] if t["stage"] == stage and t["batch_size"] == size and t["validation_accuracy"] is not None]
            if trials:
                ax.scatter([t["learning_rate"] for t in trials], [t["validation_accuracy"] for t in trials],
                           marker=markers[stage], color=colours[size], label=f"{stage}, batch {size}")
    low, high = search["fine_range"]
    ax.axvspan(low, high, color=COLORS["grey"], alpha=0.12, label="fine stage's range")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate η (logarithmic scale)")
    ax.set_ylabel("validation accuracy (one seed)")
    ax.grid(True, alpha=0.3)
    _percent_axis(ax)
    ax.legend(fontsize=7, loc="lower center", ncol=2)
    return figure


def plot_learning_curve():
    """Training and validation accuracy against the number of training images."""
    from neuralbook.experiments import load_result

    curve = load_result("search.json")["learning_curve"]
    sizes = curve["train_sizes"]
    figure, ax = new_figure()
    for key, label, colour in (("train_accuracy", "training", COLORS["function"]), ("validation_accuracy", "validation (10,000)", COLORS["derivative"])):
        stats = [_mean_and_std(curve["runs"][str(n)], key) for n in sizes]
        ax.errorbar(sizes, [s[0] for s in stats], yerr=[s[1] for s in stats], marker="o", capsize=3, color=colour, label=label)
    ax.set_xscale("log")
    ax.set_xticks(sizes, [f"{n:,}" for n in sizes])
    ax.set_xlabel("training images N (logarithmic scale)")
    ax.set_ylabel("accuracy")
    ax.set_title(f"Every run sees {curve['examples']:,} examples; {len(curve['seeds'])} seeds each")
    ax.grid(True, alpha=0.3)
    _percent_axis(ax)
    ax.legend(loc="lower right")
    return figure


def plot_learning_rate_range_test():
    """Smith's range test: the smoothed training loss against a learning rate that grows every step."""
    from neuralbook.experiments import load_result

    tests = load_result("lr-range")["tests"]
    figure, ax = new_figure(width=6.5, height=3.8)
    for number, test in enumerate(tests):
        label = "smoothed loss, one run per seed" if number == 0 else None
        ax.plot(test["learning_rates"], test["smoothed"], color=COLORS["function"], alpha=0.7, label=label)
        ax.scatter([test["lowest"]], [min(test["smoothed"])], color=COLORS["bad"], s=14, zorder=3,
                   label="lowest smoothed loss" if number == 0 else None)
    ax.axvline(0.1, color=COLORS["good"], linestyle="--", label="the sweep's choice, η = 0.1")
    ax.set_ylim(0, 1.3 * max(test["smoothed"][0] for test in tests))  # the loss of an untrained network, and a margin
    ax.set_xscale("log")
    ax.set_xlabel("learning rate η at that step (logarithmic scale)")
    ax.set_ylabel("training loss (smoothed)")
    config = tests[0]["config"]
    ax.set_title(f"{config['sizes']}, SGD, batch {config['batch_size']}: {tests[0]['steps']} steps from η = {tests[0]['low']:g} to {tests[0]['high']:g}", fontsize=9)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    return figure


FIGURES = {
    "learning-rate-sweep.svg": plot_learning_rate_sweep,
    "random-search.svg": plot_random_search,
    "learning-curve.svg": plot_learning_curve,
    "learning-rate-range-test.svg": plot_learning_rate_range_test,
}
