"""Benchmark: chapter 8's segmenters on scenes where colour says nothing about the class.

    python bench/bench_segmentation.py            # the full budget (a few minutes on a busy machine)
    python bench/bench_segmentation.py --quick    # a smoke run with tiny budgets

On the shared-material scenes of ``lecturelib.segmentation.SHAPE_SCENES`` (64 x 64, 1,000 images, 800 for
training and 200 held out), it measures:

1. the baselines of idea 1: predicting background everywhere, the colour rule (the training set's majority
   class of every colour cell) and the brightness rule, and the colour rule on chapter 7's class-coloured
   scenes of the same size, for contrast;
2. the encoder-decoder trained from scratch with ``skips=True`` and with ``skips=False``, the same number
   of steps each: held-out mean IoU, IoU per class, parameters, and training time;
3. the FCN recipe: a crop classifier, converted (fully connected layers as convolutions, bilinear
   transposed convolutions), before fine-tuning and after.

Training time is given twice: the CPU time of the training thread (``time.thread_time``, one core; on a
shared machine this is the figure that says what one core needs) and the wall-clock time. Every model
trains on one thread. Prints Markdown tables and writes ``bench/results/segmentation.json``.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchkit import markdown_table, write_result  # noqa: E402
from lecturelib import fcn, segmentation as seg  # noqa: E402

FULL = dict(n_images=1000, steps=1000, batch_size=8, lr=1e-2, classifier_steps=200, fine_tune_steps=600)
QUICK = dict(n_images=80, steps=8, batch_size=4, lr=1e-2, classifier_steps=8, fine_tune_steps=8)


def timed_training(fn):
    """(result, thread CPU seconds, wall seconds) of a call."""
    cpu, wall = time.thread_time(), time.perf_counter()
    result = fn()
    return result, time.thread_time() - cpu, time.perf_counter() - wall


def baselines(data, K, class_coloured) -> dict:
    x, y, xv, yv = data["x_train"], data["y_train"], data["x_val"], data["y_val"]
    table = seg.fit_pixel_lookup(x, y, K)
    gray = seg.fit_pixel_lookup(seg.to_gray(x), y, K, bins=64)
    other = seg.fit_pixel_lookup(class_coloured["x_train"], class_coloured["y_train"], K)

    def miou(pred, target):
        return seg.mean_iou(seg.confusion_matrix(pred, target, K))

    return {"background everywhere": miou(torch.zeros_like(yv), yv),
            "colour rule": miou(seg.pixel_lookup_predict(table, xv), yv),
            "brightness rule": miou(seg.pixel_lookup_predict(gray, seg.to_gray(xv), bins=64), yv),
            "colour rule on class-coloured scenes": miou(seg.pixel_lookup_predict(other, class_coloured["x_val"]),
                                                         class_coloured["y_val"])}


def encoder_decoders(data, K, cfg, models: dict) -> dict:
    out = {}
    for skips in (True, False):
        torch.manual_seed(0)
        model = seg.EncoderDecoder(K, widths=seg.SHAPE_MODEL["widths"], skips=skips)
        log, cpu, wall = timed_training(lambda: seg.train_segmenter(
            model, data["x_train"], data["y_train"], steps=cfg["steps"], batch_size=cfg["batch_size"],
            lr=cfg["lr"]))
        result = seg.evaluate(model, data["x_val"], data["y_val"], K)
        models["encdec_skips" if skips else "encdec_plain"] = model
        out[f"skips={skips}"] = dict(mean_iou=result["mean_iou"], iou=result["iou"].tolist(),
                                     pixel_accuracy=result["pixel_accuracy"], cpu_s=cpu, wall_s=wall,
                                     parameters=seg.count_parameters(model), final_loss=log.final_loss)
    return out


def fcn_recipe(data, K, cfg, models: dict) -> dict:
    crops, labels = fcn.object_crops(data["x_train"], data["y_train"])
    val_crops, val_labels = fcn.object_crops(data["x_val"], data["y_val"], seed=1)
    torch.manual_seed(0)
    clf = fcn.CropClassifier(K)
    _, c_cpu, c_wall = timed_training(lambda: fcn.train_classifier(clf, crops, labels, steps=cfg["classifier_steps"]))
    models["classifier"] = clf
    net = fcn.FCN(clf)
    before = seg.evaluate(net, data["x_val"], data["y_val"], K)
    _, f_cpu, f_wall = timed_training(lambda: seg.train_segmenter(
        net, data["x_train"], data["y_train"], steps=cfg["fine_tune_steps"], batch_size=cfg["batch_size"],
        lr=cfg["lr"] / 3))
    after = seg.evaluate(net, data["x_val"], data["y_val"], K)
    models["fcn"] = net
    return {"crops": len(crops), "classifier_accuracy": fcn.classifier_accuracy(clf, val_crops, val_labels),
            "classifier_cpu_s": c_cpu, "classifier_wall_s": c_wall, "parameters": seg.count_parameters(net),
            "before": dict(mean_iou=before["mean_iou"], iou=before["iou"].tolist()),
            "after": dict(mean_iou=after["mean_iou"], iou=after["iou"].tolist(), cpu_s=f_cpu, wall_s=f_wall)}


def main(quick: bool = False, save_weights: bool = False) -> dict:
    """Run the benchmark; with ``save_weights`` also store the four trained networks (state dicts) and the
    training record in ``lecturelib/data/segmentation/``, the weights chapter 8 loads
    (:func:`lecturelib.segmentation.load_trained`)."""
    cfg = QUICK if quick else FULL
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            data = seg.synthetic_segmentation_data(Path(tmp) / "shared", n_images=cfg["n_images"], seed=0,
                                                   val_fraction=0.2, **seg.SHAPE_SCENES)
            coloured = seg.synthetic_segmentation_data(Path(tmp) / "class", n_images=cfg["n_images"], seed=0,
                                                       val_fraction=0.2,
                                                       **dict(seg.SHAPE_SCENES, colours="class"))
        names, K = data["class_names"], len(data["class_names"])
        models = {}
        result = dict(benchmark="segmentation", config=cfg, scenes=seg.SHAPE_SCENES, class_names=names,
                      baselines=baselines(data, K, coloured), encoder_decoder=encoder_decoders(data, K, cfg, models),
                      fcn=fcn_recipe(data, K, cfg, models))
    finally:
        torch.set_num_threads(previous)
    print(report(result))
    if not quick:
        write_result("segmentation.json", result)
    if save_weights:
        seg.save_trained(models, result)
    return result


def report(r: dict) -> str:
    names = r["class_names"]
    lines = [markdown_table(["idea 1 and baseline", "held-out mean IoU"],
                            [[k, f"{v:.3f}"] for k, v in r["baselines"].items()], right={1}), ""]
    ed = r["encoder_decoder"]
    rows = [[k, f"{v['mean_iou']:.3f}"] + [f"{i:.2f}" for i in v["iou"]]
            + [f"{v['cpu_s']:.0f} / {v['wall_s']:.0f}", f"{v['parameters']:,}"] for k, v in ed.items()]
    lines += [markdown_table(["encoder-decoder", "mean IoU"] + names + ["train s (CPU / wall)", "parameters"], rows,
                             right=set(range(1, len(names) + 4))), ""]
    f = r["fcn"]
    best = ed["skips=True"]
    rows = [["converted classifier, before fine-tuning", f"{f['before']['mean_iou']:.3f}",
             f"{f['classifier_cpu_s']:.0f} / {f['classifier_wall_s']:.0f} (classifier)", f"{f['parameters']:,}"],
            ["converted classifier, fine-tuned", f"{f['after']['mean_iou']:.3f}",
             f"+ {f['after']['cpu_s']:.0f} / {f['after']['wall_s']:.0f}", f"{f['parameters']:,}"],
            ["encoder-decoder from scratch (skips)", f"{best['mean_iou']:.3f}",
             f"{best['cpu_s']:.0f} / {best['wall_s']:.0f}", f"{best['parameters']:,}"]]
    lines += [markdown_table(["FCN recipe", "mean IoU", "train s (CPU / wall)", "parameters"], rows, right={1, 3}),
              f"\ncrop classifier: {f['crops']} training crops, held-out crop accuracy {f['classifier_accuracy']:.3f}"]
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny budgets: check that the script runs")
    parser.add_argument("--save-weights", action="store_true",
                        help="also store the trained networks for chapter 8 in lecturelib/data/segmentation")
    args = parser.parse_args()
    main(args.quick, args.save_weights)
