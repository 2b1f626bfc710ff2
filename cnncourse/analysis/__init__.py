"""Analysis tools: multiply-adds, parameters, shape traces and receptive fields."""
from .flops import FlopCount, count_flops, count_flops_torch
from .gradients import conv_grad_norms
from .params import count_params, params_by_module
from .shapes import LayerShape, format_shape, receptive_field, receptive_field_trace, trace_shapes

__all__ = ["FlopCount", "count_flops", "count_flops_torch", "conv_grad_norms", "count_params", "params_by_module",
           "LayerShape", "format_shape", "receptive_field", "receptive_field_trace", "trace_shapes"]
