"""Analysis tools: multiply-adds, parameters, depth, shape traces, receptive fields and gradients
at initialization. Everything that runs a model to look inside it goes through :func:`probe`."""
from .flops import FlopCount, count_flops
from .gradients import conv_grad_norms, conv_gradients
from .layers import depth, weight_layers
from .params import count_params, params_by_module
from .probing import probe
from .shapes import LayerShape, format_shape, receptive_field, receptive_field_trace, trace_shapes

__all__ = ["FlopCount", "count_flops", "conv_grad_norms", "conv_gradients", "depth",
           "weight_layers", "count_params", "params_by_module", "probe",
           "LayerShape", "format_shape", "receptive_field", "receptive_field_trace", "trace_shapes"]
