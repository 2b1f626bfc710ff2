"""The model zoo. Importing a module registers its builders with :func:`get_model`."""
from ._registry import ModelInfo, get_model, list_models, model_info, register_model
from . import lenet, alexnet, vgg, googlenet, resnet, resnet_cifar, small  # noqa: F401  (registration)

__all__ = ["ModelInfo", "get_model", "list_models", "model_info", "register_model"]
