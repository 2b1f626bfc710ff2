"""Analysis tools: multiply-adds, parameters, depth, shape traces, receptive fields, gradients at
initialization, and the proof that a network built on a page is the package's. Everything that
runs a model to look inside it goes through :func:`probe`."""
from .equivalence import NotTheSameNetwork, copy_weights, same_network
from .flops import FlopCount, count_flops
from .gradients import conv_grad_norms, conv_gradients
from .layers import depth, weight_layers
from .params import count_params, params_by_module
from .probing import probe
from .shapes import LayerShape, format_shape, receptive_field, receptive_field_trace, trace_shapes

__all__ = ["FlopCount", "count_flops", "conv_grad_norms", "conv_gradients", "depth",
           "weight_layers", "count_params", "params_by_module", "probe",
           "NotTheSameNetwork", "copy_weights", "same_network",
           "LayerShape", "format_shape", "receptive_field", "receptive_field_trace", "trace_shapes"]
