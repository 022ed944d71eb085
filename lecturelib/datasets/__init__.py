"""Datasets of the detection-and-segmentation chapters: Pascal VOC and COCO.

Modules: ``voc`` (classes, palette, VOC2012-layout readers), ``coco`` (COCO 2017
instances/keypoints/panoptic readers), ``boxes`` (box formats and IoU), ``draw``
(pictures of every task), ``scenes`` (procedurally drawn scenes and their exact
masks), ``synthetic`` (those scenes written in both layouts; the shipped samples), ``torch_datasets`` (PyTorch ``Dataset`` wrappers)
and ``download`` (the full datasets, for Colab users). Every reader raises
``DatasetFormatError`` (a ``ValueError``) naming the file and the problem.
"""
from .errors import DatasetFormatError  # noqa: F401
