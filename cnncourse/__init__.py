"""cnncourse: the classic CNNs (LeNet-5, AlexNet, VGG, GoogLeNet, ResNet) as their papers built them.

>>> import cnncourse
>>> model = cnncourse.get_model("resnet50")            # He et al. 2015, Table 1 (v1, option B)
>>> cnncourse.count_params(model)
25557032
>>> round(cnncourse.count_flops(model, (3, 224, 224)).giga, 2)   # multiply-adds, as Table 1 counts
3.86
"""
from .analysis import (count_flops, count_params, depth, format_shape, receptive_field,
                       receptive_field_trace, trace_shapes, weight_layers)
from .models import get_model, list_models, model_info, on_meta
from . import data, exercises, train, utils  # noqa: E402  (cnncourse.train etc. after `import cnncourse`)

__version__ = "0.1.0"

__all__ = ["get_model", "list_models", "model_info", "on_meta", "count_flops", "count_params",
           "depth", "weight_layers", "trace_shapes", "format_shape", "receptive_field",
           "receptive_field_trace", "__version__"]
