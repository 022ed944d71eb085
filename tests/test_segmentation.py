"""lecturelib.segmentation: sliding windows equal the fully convolutional pass, the cost counter and
the metrics equal brute-force references, the loss equals its definition, the models have the shapes
and the memory the lecture describes."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st

from lecturelib import segmentation as seg


# ---------------------------------------------------------------- idea 2: sliding windows

@pytest.mark.parametrize("window,H,W", [(5, 9, 12), (7, 16, 13), (11, 20, 23)])
def test_sliding_windows_equal_the_fully_convolutional_pass(window, H, W):
    torch.manual_seed(window)
    net = seg.WindowClassifier(n_classes=4, window=window, width=6, hidden=8).eval()
    image = torch.rand(3, H, W)
    slid = seg.sliding_window_predict(net, image, batch_size=50)
    full = seg.fully_convolutional_predict(net, image)
    assert slid.shape == full.shape == (4, H, W)
    torch.testing.assert_close(slid, full, rtol=1e-5, atol=1e-5)
    # and a single window through the network is the score of its centre pixel
    i, j = H // 3, W // 2
    padded = F.pad(image, (window // 2,) * 4)
    one = net(padded[None, :, i:i + window, j:j + window])
    assert one.shape == (1, 4, 1, 1)
    torch.testing.assert_close(one[0, :, 0, 0], full[:, i, j], rtol=1e-5, atol=1e-5)


def test_extract_windows_are_the_padded_crops():
    image = torch.arange(2 * 5 * 6, dtype=torch.float32).reshape(2, 5, 6)
    wins = seg.extract_windows(image, 3)
    assert wins.shape == (30, 2, 3, 3)
    padded = F.pad(image, (1, 1, 1, 1))
    for k, (i, j) in enumerate([(i, j) for i in range(5) for j in range(6)]):
        torch.testing.assert_close(wins[k], padded[:, i:i + 3, j:j + 3])
    assert seg.extract_windows(image, 3, stride=2, pad=False).shape == (2 * 2, 2, 3, 3)
    with pytest.raises(ValueError, match=r"window: 9 is larger than the \(padded\) image"):
        seg.extract_windows(image, 9, pad=False)
    with pytest.raises(ValueError, match=r"image: expected a \(C, H, W\) tensor, got shape \(5, 6\)"):
        seg.extract_windows(image[0], 3)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.integers(1, 7), st.integers(1, 4), st.booleans())
def test_sliding_window_cost_matches_brute_force(H, W, window, stride, pad):
    p = window // 2 if pad else 0
    cover = np.zeros((H, W), dtype=int)
    n = 0
    for top in range(-p, H + p - window + 1, stride):  # every window position, one by one
        for left in range(-p, W + p - window + 1, stride):
            n += 1
            for i in range(max(top, 0), min(top + window, H)):
                for j in range(max(left, 0), min(left + window, W)):
                    cover[i, j] += 1
    cost = seg.sliding_window_cost(H, W, window, stride, pad)
    assert cost["forward_passes"] == n
    assert cost["pixels_processed"] == n * window * window
    if n:
        assert cost["recompute_max"] == cover.max()
        assert cost["recompute_mean"] == pytest.approx(cover.mean())


def test_sliding_window_cost_for_the_lecture_sizes():
    cost = seg.sliding_window_cost(256, 256, 65)
    assert cost["forward_passes"] == 256 * 256
    assert cost["recompute_max"] == 65 * 65   # an interior pixel enters every window around it
    with pytest.raises(ValueError, match="stride: expected an integer >= 1, got 0"):
        seg.sliding_window_cost(8, 8, 3, stride=0)


# ---------------------------------------------------------------- idea 1 and idea 3

def test_per_pixel_classifier_sees_only_its_pixel():
    torch.manual_seed(0)
    net = seg.PerPixelClassifier(5)
    x = torch.rand(1, 3, 6, 6)
    y = net(x)
    x2 = x.clone()
    x2[:, :, 3:, :] = torch.rand(1, 3, 3, 6)   # change the bottom half only
    torch.testing.assert_close(net(x2)[:, :, :3], y[:, :, :3])
    # two pixels of the same colour get the same scores wherever they are
    x[0, :, 0, 0] = x[0, :, 5, 4]
    out = net(x)
    torch.testing.assert_close(out[0, :, 0, 0], out[0, :, 5, 4])


def test_output_memory_is_the_lecture_arithmetic():
    assert seg.output_memory_bytes(1000, 256, 256) == 256 * 256 * 1000 * 4 == 250 * 2 ** 20
    assert seg.output_memory_bytes(21, 512, 512, bytes_per_number=2, batch=3) == 3 * 21 * 512 * 512 * 2
    with pytest.raises(ValueError, match="height: expected a positive integer, got 0"):
        seg.output_memory_bytes(10, 0, 5)


def test_activation_memory_counts_each_output():
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(inplace=True),
                              torch.nn.MaxPool2d(2))
    # conv output 4x8x8 floats (the in-place ReLU reuses it), pool output 4x4x4 floats
    assert seg.activation_memory(net, (1, 3, 8, 8)) == (4 * 8 * 8 + 4 * 4 * 4) * 4
    full = seg.activation_memory(seg.FullResolutionNet(21), (1, 3, 64, 64))
    encdec = seg.activation_memory(seg.EncoderDecoder(21), (1, 3, 64, 64))
    assert encdec < 0.6 * full   # the middle levels run at a quarter and a sixteenth of the pixels


@pytest.mark.parametrize("down,up", [("pool", "transposed"), ("pool", "maxunpool"), ("pool", "nearest"),
                                     ("stride", "transposed"), ("stride", "nearest")])
@pytest.mark.parametrize("skips", [False, True])
def test_encoder_decoder_shapes(down, up, skips):
    net = seg.EncoderDecoder(7, widths=(4, 8, 16), down=down, up=up, skips=skips)
    assert net(torch.rand(2, 3, 16, 24)).shape == (2, 7, 16, 24)
    assert seg.FullResolutionNet(7, widths=(4, 8)).forward(torch.rand(1, 3, 8, 8)).shape == (1, 7, 8, 8)


def test_encoder_decoder_bad_arguments():
    with pytest.raises(ValueError, match="needs the switches of max pooling"):
        seg.EncoderDecoder(3, down="stride", up="maxunpool")
    with pytest.raises(ValueError, match=r"up: expected one of \['maxunpool', 'nearest', 'transposed'\]"):
        seg.EncoderDecoder(3, up="bilinear")
    with pytest.raises(ValueError, match="x: expected H and W divisible by 4"):
        seg.EncoderDecoder(3)(torch.rand(1, 3, 10, 12))


# ---------------------------------------------------------------- loss and metrics

def test_pixel_cross_entropy_is_its_definition():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 4, 3, 5))
    target = rng.integers(0, 4, size=(2, 3, 5))
    target[0, 0, :3] = 255
    target[1, 2, 4] = 255
    # by hand: mean over non-void pixels of -log softmax at the true class
    terms = []
    for n in range(2):
        for i in range(3):
            for j in range(5):
                if target[n, i, j] == 255:
                    continue
                z = logits[n, :, i, j]
                terms.append(-(z[target[n, i, j]] - np.log(np.exp(z).sum())))
    got = seg.pixel_cross_entropy(torch.tensor(logits), torch.tensor(target)).item()
    assert got == pytest.approx(np.mean(terms), rel=1e-12)
    with pytest.raises(ValueError, match=r"target: expected shape \(2, 3, 5\)"):
        seg.pixel_cross_entropy(torch.tensor(logits), torch.tensor(target[:, :2]))


def _brute_force_metrics(pred, target, K):
    valid = target != 255
    correct = total = 0
    inter, union = np.zeros(K), np.zeros(K)
    for p, t, v in zip(pred.ravel(), target.ravel(), valid.ravel()):
        if not v:
            continue
        total += 1
        correct += p == t
        for c in range(K):
            inter[c] += (p == c) and (t == c)
            union[c] += (p == c) or (t == c)
    iou = [inter[c] / union[c] for c in range(K) if union[c] > 0]
    return correct / total, inter, union, np.mean(iou)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 6), st.integers(1, 40), st.floats(0, 0.5), st.integers(0, 2 ** 31))
def test_metrics_equal_brute_force(K, n, void_fraction, seed):
    rng = np.random.default_rng(seed)
    target = rng.integers(0, K, size=(n, 3))
    target[rng.random(target.shape) < void_fraction] = 255
    if (target == 255).all():
        target[0, 0] = 0
    pred = np.where(rng.random(target.shape) < 0.6, np.where(target == 255, 0, target), rng.integers(0, K, target.shape))
    cm = seg.confusion_matrix(pred, target, K)
    assert cm.sum() == (target != 255).sum()
    for i in range(K):
        for j in range(K):
            assert cm[i, j] == ((target == i) & (pred == j)).sum()
    acc, inter, union, miou = _brute_force_metrics(pred, target, K)
    assert seg.pixel_accuracy(cm) == pytest.approx(acc)
    iou = seg.iou_per_class(cm)
    for c in range(K):
        if union[c] == 0:
            assert np.isnan(iou[c])
        else:
            assert iou[c] == pytest.approx(inter[c] / union[c])
    assert seg.mean_iou(cm) == pytest.approx(miou)


def test_metric_errors_and_tensors():
    assert seg.confusion_matrix(torch.tensor([[0, 1]]), torch.tensor([[0, 0]]), 2).tolist() == [[1, 1], [0, 0]]
    with pytest.raises(ValueError, match=r"target: expected labels in 0..2 \(or 255 for void\), got values from 0 to 7"):
        seg.confusion_matrix(np.zeros((2, 2), int), np.array([[0, 7], [1, 2]]), 3)
    with pytest.raises(ValueError, match=r"pred: expected the shape of target \(2, 2\), got \(2, 3\)"):
        seg.confusion_matrix(np.zeros((2, 3), int), np.zeros((2, 2), int), 3)
    with pytest.raises(ValueError, match=r"cm: expected a square"):
        seg.mean_iou(np.zeros((2, 3)))


def test_remap_labels():
    mask = np.array([[0, 15, 255], [5, 0, 15]], dtype=np.uint8)
    assert seg.remap_labels(mask, (0, 5, 15)).tolist() == [[0, 2, 255], [1, 0, 2]]
    with pytest.raises(ValueError, match=r"mask: values \[7\] are neither in labels"):
        seg.remap_labels(np.array([7]), (0, 5))


def test_training_runs_and_the_loss_falls():
    torch.manual_seed(0)
    x = torch.rand(8, 3, 16, 16)
    y = (x[:, 0] > 0.5).long()   # a per-pixel task any network can learn
    y[:, 0, 0] = 255
    net = seg.EncoderDecoder(2, widths=(4, 8), skips=True)
    log = seg.train_segmenter(net, x, y, steps=20, batch_size=8, lr=1e-2)
    assert len(log.loss) == 20 and log.loss[-1] < log.loss[0]
    ev = seg.evaluate(net, x, y, 2)
    assert ev["cm"].sum() == 8 * 16 * 16 - 8


def test_pixel_lookup_is_the_majority_class_of_each_colour_cell():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.random((3, 2, 5, 4)), dtype=torch.float32)
    y = torch.tensor(rng.integers(0, 3, (3, 5, 4)))
    y[0, 0, :2] = 255
    bins = 2
    table = seg.fit_pixel_lookup(x, y, 3, bins)
    assert table.shape == (bins ** 2,)
    # brute force: count labels per (channel-0 cell, channel-1 cell) pixel by pixel
    counts = np.zeros((bins, bins, 3), dtype=int)
    for n in range(3):
        for i in range(5):
            for j in range(4):
                if y[n, i, j] != 255:
                    a, b = (min(int(x[n, c, i, j] * bins), bins - 1) for c in range(2))
                    counts[a, b, y[n, i, j]] += 1
    np.testing.assert_array_equal(table.numpy(), counts.reshape(-1, 3).argmax(1))
    pred = seg.pixel_lookup_predict(table, x, bins)
    for n, i, j in [(0, 0, 0), (2, 4, 3), (1, 2, 1)]:
        a, b = (min(int(x[n, c, i, j] * bins), bins - 1) for c in range(2))
        assert pred[n, i, j] == counts[a, b].argmax()
    assert seg.to_gray(torch.ones(2, 3, 4, 4)).shape == (2, 1, 4, 4)
    with pytest.raises(ValueError, match="table: expected 8 cells"):
        seg.pixel_lookup_predict(table, torch.rand(1, 3, 2, 2), bins)


def test_voc_segmentation_data_reads_the_shipped_voc_layout():
    """The real-data path, run on the shipped VOC-layout sample: every image resized, every label one of the
    21 VOC labels or void, and the labels of a resized mask are labels of the original (nearest neighbour)."""
    from lecturelib.datasets import voc
    from lecturelib.datasets.synthetic import voc_sample_root

    data = seg.voc_segmentation_data(voc_sample_root(), size=32)
    assert data["x_train"].shape == (12, 3, 32, 32) and data["x_val"].shape == (4, 3, 32, 32)
    assert data["class_names"][0] == "background" and len(data["class_names"]) == 21
    _, masks = voc.load_segmentation(voc_sample_root(), "train")
    for y, mask in zip(data["y_train"], masks):
        assert set(torch.unique(y).tolist()) <= set(np.unique(mask).tolist())
    assert data["x_train"].min() >= 0 and data["x_train"].max() <= 1
    limited = seg.voc_segmentation_data(voc_sample_root(), size=16, max_images=3)
    assert len(limited["x_train"]) == 3 and len(limited["x_val"]) == 3
    with pytest.raises(ValueError, match="size"):
        seg.voc_segmentation_data(voc_sample_root(), size=4)


def test_the_same_training_code_runs_on_the_voc_layout():
    from lecturelib.datasets.synthetic import voc_sample_root

    data = seg.voc_segmentation_data(voc_sample_root(), size=32)
    torch.manual_seed(0)
    model = seg.EncoderDecoder(21, widths=(4, 8))
    log = seg.train_segmenter(model, data["x_train"], data["y_train"], steps=3, batch_size=4)
    result = seg.evaluate(model, data["x_val"], data["y_val"], 21)
    assert len(log.loss) == 3 and 0 <= result["mean_iou"] <= 1


def test_shared_colour_scenes_defeat_the_colour_rule(tmp_path):
    """On scenes painted from one shared set of materials the colour lookup does no better than a little
    above predicting background everywhere (on 120 scenes), while on class-coloured scenes it does far better."""
    scores = {}
    for colours in ("shared", "class"):
        data = seg.synthetic_segmentation_data(tmp_path / colours, n_images=120, size=48, seed=1, colours=colours)
        K = len(data["class_names"])
        table = seg.fit_pixel_lookup(data["x_train"], data["y_train"], K)
        cm = seg.confusion_matrix(seg.pixel_lookup_predict(table, data["x_val"]), data["y_val"], K)
        background = seg.confusion_matrix(torch.zeros_like(data["y_val"]), data["y_val"], K)
        scores[colours] = (seg.mean_iou(cm), seg.mean_iou(background))
    assert scores["shared"][0] < scores["shared"][1] + 0.05
    assert scores["class"][0] > scores["class"][1] + 0.3


def test_stored_weights_round_trip(tmp_path):
    torch.manual_seed(0)
    model = seg.EncoderDecoder(3, widths=(4, 8))
    seg.save_trained({"tiny": model}, {"config": {"steps": 1}}, tmp_path)
    other = seg.load_trained("tiny", seg.EncoderDecoder(3, widths=(4, 8)), tmp_path)
    x = torch.rand(2, 3, 16, 16)
    torch.testing.assert_close(other(x), model.eval()(x))
    assert seg.trained_record(tmp_path)["config"]["steps"] == 1
    with pytest.raises(FileNotFoundError, match="tiny"):
        seg.load_trained("missing", model, tmp_path)


def test_the_stored_chapter_networks_load():
    """The weights chapter 8 loads exist and fit the architectures the chapter builds."""
    from lecturelib import fcn

    record = seg.trained_record()
    K = len(record["class_names"])
    for name, skips in (("encdec_skips", True), ("encdec_plain", False)):
        seg.load_trained(name, seg.EncoderDecoder(K, **seg.SHAPE_MODEL, skips=skips))
    classifier = seg.load_trained("classifier", fcn.CropClassifier(K))
    seg.load_trained("fcn", fcn.FCN(classifier))
    assert record["scenes"]["colours"] == "shared"


@pytest.mark.parametrize("window", [5, 7, 11, 15])
@pytest.mark.parametrize("extra", [0, 29])
def test_conv_multiply_adds_match_pytorchs_flop_counter(window, extra):
    """PyTorch's FlopCounterMode counts 2 FLOPs per multiply-add of a convolution (biases not counted)."""
    from torch.utils.flop_counter import FlopCounterMode

    net = seg.WindowClassifier(7, window=window)
    size = window + extra
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        net(torch.zeros(1, 3, size, size))
    assert seg.conv_multiply_adds(net, size) == counter.get_total_flops() // 2
    with pytest.raises(ValueError, match="size"):
        seg.conv_multiply_adds(net, window - 1)
