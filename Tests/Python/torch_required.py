"""`import torch` for the PyTorch tests: they skip when torch is missing, unless
PENULTIMATE_REQUIRE_TORCH is set (scripts/test.sh sets it, so CI fails instead)."""

import os

import pytest

REQUIRED = os.environ.get("PENULTIMATE_REQUIRE_TORCH", "") not in ("", "0")


def import_torch():
    try:
        import torch
        import torchvision  # noqa: F401  (the notebook and the classifier tests need it)
    except ImportError as error:
        if REQUIRED:
            raise ImportError(f"PENULTIMATE_REQUIRE_TORCH is set but {error}; "
                              "install scripts/requirements-torch.txt") from error
        pytest.skip(f"PyTorch not installed ({error}); scripts/requirements-torch.txt", allow_module_level=True)
    torch.set_num_threads(1)
    return torch
