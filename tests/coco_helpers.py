"""What the COCO tests share: the synthetic sample's instances file, and the check that a broken
annotation file is refused with an error naming the file and the problem."""
import json

import pytest

from lecturelib.datasets import coco, synthetic
from lecturelib.datasets.errors import DatasetFormatError

SAMPLE = synthetic.coco_sample_root()


def sample_instances() -> dict:
    """A fresh copy of the sample's ``instances_val2017.json``, free for a test to break."""
    with open(SAMPLE / "annotations" / "instances_val2017.json") as f:
        return json.load(f)


def check_bad(tmp_path, data, problem, kind="instances"):
    """Write ``data`` as a COCO file and check that loading it raises DatasetFormatError naming the
    file's path and ``problem``."""
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(DatasetFormatError) as err:
        coco.load_coco(path, kind)
    assert str(path) in str(err.value) and problem in str(err.value), str(err.value)
