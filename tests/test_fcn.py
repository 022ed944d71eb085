"""The FCN recipe (lecturelib.fcn): a classifier converted to a fully convolutional network, bilinear
upsampling by a transposed convolution, against PyTorch's own functions."""
import pytest
import torch
import torch.nn.functional as F

from lecturelib import fcn


def _trained_like(model, seed=0):
    """Random weights and batch-norm statistics, so the checks do not pass by accident on a fresh init."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.3)
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
    return model.eval()


@pytest.mark.parametrize("crop,hidden", [(40, 32), (24, 16), (56, 8)])
def test_converted_classifier_gives_the_classifiers_scores_on_a_crop(crop, hidden):
    clf = _trained_like(fcn.CropClassifier(5, crop=crop, widths=(4, 8, 6), hidden=hidden))
    x = torch.rand(3, 3, crop, crop)
    conv = fcn.convolutionize(clf, same=False).eval()
    out = conv(x)
    assert out.shape == (3, 5, 1, 1)
    torch.testing.assert_close(out[:, :, 0, 0], clf(x), rtol=1e-5, atol=1e-5)
    # with 'same' padding the centre of the map sees exactly the crop, so it holds the same scores
    same = fcn.convolutionize(clf, same=True).eval()(x)
    k = crop // 8
    assert same.shape == (3, 5, k, k)
    torch.testing.assert_close(same[:, :, k // 2, k // 2], clf(x), rtol=1e-5, atol=1e-5)


def test_converted_network_maps_a_larger_image_to_a_grid_of_scores():
    """On a 64 x 64 image the unpadded converted net gives a 6 x 6 map, one score vector per 8-pixel step
    of a 24-pixel crop; the 'same' one an 8 x 8 map."""
    clf = _trained_like(fcn.CropClassifier(4, crop=24, widths=(4, 8, 8), hidden=16), seed=1)
    image = torch.rand(1, 3, 64, 64)
    assert fcn.convolutionize(clf, same=False).eval()(image).shape == (1, 4, 6, 6)
    assert fcn.convolutionize(clf, same=True).eval()(image).shape == (1, 4, 8, 8)


def test_conversion_copies_the_weights():
    clf = fcn.CropClassifier(3, crop=24, widths=(4, 4, 4), hidden=8)
    conv = fcn.convolutionize(clf)
    with torch.no_grad():
        conv[1].weight.add_(1.0)
    assert not torch.equal(conv[1].weight.flatten(1), clf.fc1.weight)


@pytest.mark.parametrize("factor", [2, 4, 8])
@pytest.mark.parametrize("shape", [(1, 1, 3, 3), (2, 5, 4, 7), (1, 3, 1, 2)])
def test_bilinear_transposed_convolution_equals_interpolate(factor, shape):
    x = torch.randn(*shape, dtype=torch.float64)
    up = fcn.BilinearUpsample(shape[1], factor).double()
    ours = up(x)
    theirs = F.interpolate(x, scale_factor=factor, mode="bilinear", align_corners=False)
    assert ours.shape == theirs.shape
    torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-12)


def test_bilinear_layer_is_a_transposed_convolution_that_learns():
    up = fcn.BilinearUpsample(2, 4)
    assert isinstance(up.up, torch.nn.ConvTranspose2d) and up.up.weight.requires_grad
    x = torch.randn(1, 2, 5, 5)
    up(x).sum().backward()
    assert up.up.weight.grad.abs().sum() > 0


def test_bilinear_kernel_values():
    # factor 2: the tent is (1/4, 3/4, 3/4, 1/4) (distance 1.5, 0.5, 0.5, 1.5 from the centre, divided by 2)
    torch.testing.assert_close(fcn.bilinear_kernel(2), torch.outer(*(torch.tensor([0.25, 0.75, 0.75, 0.25],
                                                                                    dtype=torch.float64),) * 2))
    for bad in (0, 3, 2.0, True):
        with pytest.raises(ValueError, match="factor"):
            fcn.bilinear_kernel(bad)


@pytest.mark.parametrize("fuse", [True, False])
def test_fcn_before_fine_tuning_is_the_converted_classifier_upsampled(fuse):
    clf = _trained_like(fcn.CropClassifier(4, crop=40, widths=(4, 8, 8), hidden=16), seed=2)
    net = fcn.FCN(clf, fuse=fuse).eval()
    x = torch.rand(2, 3, 32, 48)
    coarse = fcn.convolutionize(clf, same=True).eval()(x)
    expected = F.interpolate(coarse, scale_factor=8, mode="bilinear", align_corners=False) if not fuse else \
        F.interpolate(F.interpolate(coarse, scale_factor=2, mode="bilinear", align_corners=False),
                      scale_factor=4, mode="bilinear", align_corners=False)
    out = net(x)
    assert out.shape == (2, 4, 32, 48)
    torch.testing.assert_close(out, expected, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="divisible by 8"):
        net(torch.rand(1, 3, 30, 32))


def test_object_crops_are_centred_on_objects():
    y = torch.zeros(2, 32, 32, dtype=torch.long)
    y[0, 4:12, 20:30] = 2
    y[1, 10:20, 10:20] = 1
    y[1, 9, 10:20] = 255
    x = torch.zeros(2, 3, 32, 32)
    x[0, 0][y[0] == 2] = 1.0
    x[1, 1][y[1] == 1] = 1.0
    crops, labels = fcn.object_crops(x, y, crop=24, per_image_background=3, jitter=0)
    assert crops.shape == (8, 3, 24, 24)
    assert sorted(labels.tolist()) == [0] * 6 + [1, 2]
    obj = crops[labels == 2][0]
    assert obj[0, 12, 12] == 1.0      # the crop's centre lies on the object (box centre (7, 24))
    assert obj[0].sum() == 8 * 10     # and the whole object is inside


def test_crop_classifier_checks():
    with pytest.raises(ValueError, match="crop"):
        fcn.CropClassifier(3, crop=32)
    with pytest.raises(ValueError, match="crops of 40"):
        fcn.CropClassifier(3, crop=40)(torch.rand(1, 3, 32, 32))


def test_training_the_classifier_lowers_its_loss():
    torch.manual_seed(0)  # the classifier's initial weights: the test must not depend on test order
    gen = torch.Generator().manual_seed(0)
    crops = torch.rand(64, 3, 24, 24, generator=gen)
    labels = (crops[:, 0].mean((1, 2)) > 0.5).long()
    crops[labels == 1, 0] += 0.5
    clf = fcn.CropClassifier(2, crop=24, widths=(4, 8, 8), hidden=16)
    log = fcn.train_classifier(clf, crops, labels, steps=60, batch_size=32, lr=1e-2)
    assert log.loss[-1] < 0.5 * log.loss[0]
    assert fcn.classifier_accuracy(clf, crops, labels) > 0.9


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="^steps:"):
        fcn.train_classifier(None, None, None, steps="x")
    x = torch.zeros(2, 3, 8, 8)
    with pytest.raises(ValueError, match="^y: no object"):
        fcn.object_crops(x, torch.full((2, 8, 8), 255))
    for name, value in (("crop", 0), ("jitter", -1), ("per_image_background", True)):
        with pytest.raises(ValueError, match=f"^{name}:"):
            fcn.object_crops(x, torch.zeros(2, 8, 8, dtype=torch.long), **{name: value})


def test_an_image_without_background_still_gives_its_object_crop():
    x = torch.zeros(1, 3, 8, 8)
    y = torch.full((1, 8, 8), 3)
    crops, labels = fcn.object_crops(x, y, crop=4)
    assert labels.tolist() == [3] and crops.shape == (1, 3, 4, 4)
