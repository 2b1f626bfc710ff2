"""Analysis tools: multiply-adds, parameters, shape traces, receptive fields and gradients at initialization."""
from .flops import FlopCount, count_flops, count_flops_torch
from .equivalence import NotTheSameNetwork, copy_weights, same_network
from .gradients import conv_grad_norms, conv_gradients
from .params import count_params, params_by_module
from .shapes import LayerShape, format_shape, receptive_field, receptive_field_trace, trace_shapes

__all__ = ["FlopCount", "count_flops", "count_flops_torch", "conv_grad_norms", "conv_gradients",
           "NotTheSameNetwork", "copy_weights", "same_network",
           "count_params", "params_by_module",
           "LayerShape", "format_shape", "receptive_field", "receptive_field_trace", "trace_shapes"]
