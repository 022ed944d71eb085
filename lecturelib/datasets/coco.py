"""COCO 2017: categories, keypoints, and readers for the instances, keypoints and panoptic files.

(The readers are below the constants.)
"""
from __future__ import annotations

COCO_KEYPOINTS = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
)
"""The 17 person keypoints, in the order of the ``keypoints`` arrays (x, y, v per keypoint)."""

COCO_SKELETON = (
    (16, 14), (14, 12), (17, 15), (15, 13), (12, 13), (6, 12), (7, 13), (6, 7), (6, 8), (7, 9),
    (8, 10), (9, 11), (2, 3), (1, 2), (1, 3), (2, 4), (3, 5), (4, 6), (5, 7),
)
"""The 19 limbs as pairs of 1-based keypoint numbers, as the person category's ``skeleton`` stores them."""
