"""The model zoo. Importing a module registers its networks with :func:`get_model`."""
from ._registry import (FAMILIES, ModelInfo, get_model, list_models, model_info, on_meta,
                        register_model)
from . import lenet, alexnet, vgg, googlenet, resnet, resnet_cifar, small  # noqa: F401  (registration)

__all__ = ["FAMILIES", "ModelInfo", "get_model", "list_models", "model_info", "on_meta",
           "register_model"]
