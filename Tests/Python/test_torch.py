"""The writer's PyTorch helpers on real torch and torchvision models (random weights, no downloads):
which layer is the classifier, features = its input, logits = its output, and DistributedSampler's
padding, checked against torch's own sampler in-process (no process group needed)."""

import itertools

import h5py
import numpy as np
import pytest

from torch_required import import_torch

torch = import_torch()

import torchvision  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402
from torch.utils.data.distributed import DistributedSampler  # noqa: E402

import penultimate_writer as pw  # noqa: E402

# torchvision's own names for the final classifier, and the smallest input each model takes.
TORCHVISION = [
    ("resnet18", "fc", 32),
    ("mobilenet_v2", "classifier.1", 32),
    ("efficientnet_b0", "classifier.1", 32),
    ("vgg11", "classifier.6", 32),
    ("convnext_tiny", "classifier.2", 32),
    ("vit_b_16", "heads.head", 224),
]


def loader_of(x, labels, **kwargs):
    return DataLoader(pw.IndexedDataset(TensorDataset(x, torch.as_tensor(labels))), **kwargs)


def randomise(linear, seed):
    """torchvision zero-initialises some heads (ViT): give the classifier weights that matter."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        linear.weight.copy_(torch.randn(linear.weight.shape, generator=generator) / linear.in_features ** 0.5)
        linear.bias.copy_(torch.randn(linear.bias.shape, generator=generator))


@pytest.mark.parametrize("name, expected, size", TORCHVISION, ids=[t[0] for t in TORCHVISION])
def test_classifier_of_torchvision_models(name, expected, size):
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None, num_classes=7)
    linear = pw.classifier_of(model)
    assert linear is model.get_submodule(expected)
    assert pw.classifier_of(model, expected) is linear and pw.classifier_of(model, linear) is linear
    assert pw.classifier_of(nn.DataParallel(model)) is linear  # wrappers are unwrapped
    randomise(linear, 1)
    x = torch.randn(3, 3, size, size)
    result = pw.collect_penultimate(model, loader_of(x, [0, 1, 6], batch_size=2))
    weight, bias = pw.classifier_weights(model)
    assert result["features"].shape == (3, linear.in_features) and result["sample_count"] == 3
    np.testing.assert_array_equal(weight, linear.weight.detach().numpy())
    with torch.no_grad():
        np.testing.assert_allclose(result["logits"], model.eval()(x).numpy(), rtol=0, atol=1e-5)
    assert pw.logits_check(result["features"], result["logits"], weight, bias) <= 1e-5 * np.abs(result["logits"]).max()
    assert model.training is False  # eval() above; collect_penultimate restores the caller's mode
    model.train()
    pw.collect_penultimate(model, loader_of(x, [0, 1, 6], batch_size=3))
    assert model.training


def test_an_avgpool_hook_is_wrong_on_convnext_and_the_pre_hook_is_exact():
    """The reason for the pre-hook: ConvNeXt normalises after its average pool."""
    torch.manual_seed(0)
    model = torchvision.models.convnext_tiny(weights=None, num_classes=5).eval()
    randomise(model.classifier[2], 2)
    pooled = []
    handle = model.avgpool.register_forward_hook(lambda _m, _i, out: pooled.append(out.flatten(1)))
    x = torch.randn(4, 3, 32, 32)
    result = pw.collect_penultimate(model, loader_of(x, [0, 1, 2, 3], batch_size=4))
    handle.remove()
    weight, bias = pw.classifier_weights(model)
    assert pw.logits_check(result["features"], result["logits"], weight, bias) < 1e-5
    assert pw.logits_check(pooled[0].detach().numpy(), result["logits"], weight, bias) > 0.1


class MLP(nn.Module):
    def __init__(self, classes=4, hidden=8):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(5, hidden), nn.ReLU(), nn.Linear(hidden, 6), nn.ReLU())
        self.final = nn.Linear(6, classes)

    def forward(self, x):
        return self.final(self.layers(x))


class TimmLike(nn.Module):
    """The timm protocol: get_classifier() returns the head (here not under a torchvision name)."""

    def __init__(self):
        super().__init__()
        self.trunk = nn.Linear(5, 6)
        self.decision = nn.Linear(6, 3)
        self.fc = nn.Linear(5, 5)  # a decoy under a torchvision name: get_classifier() wins
        self.num_classes = 3

    def get_classifier(self):
        return self.decision

    def forward(self, x):
        return self.decision(self.trunk(x))


def test_classifier_of_plain_and_timm_like_models():
    mlp = MLP()
    assert pw.classifier_of(mlp) is mlp.final
    assert pw.classifier_of(mlp, num_classes=4) is mlp.final
    assert pw.classifier_of(mlp, "final") is mlp.final and pw.classifier_of(mlp, "module.final") is mlp.final
    assert pw.classifier_of(mlp, "layers.2") is mlp.layers[2]
    timm_like = TimmLike()
    assert pw.classifier_of(timm_like) is timm_like.decision
    weight, bias = pw.classifier_weights(nn.Linear(6, 3, bias=False))
    assert weight.shape == (3, 6) and not bias.any()


@pytest.mark.parametrize("model, kwargs, message", [
    (MLP(classes=6), {}, r"2 nn.Linear layers output 6 classes among layers.0 \(8\), layers.2 \(6\), final \(6\); pass layer="),
    (MLP(), dict(num_classes=9), r"0 nn.Linear layers output 9 classes"),
    (nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten()), {}, r"Sequential has no nn.Linear .*pass layer="),
    (MLP(), dict(layer="layers.1"), r"layer 'layers.1' is a ReLU, not an nn.Linear"),
    (MLP(), dict(layer="nope.head"), r"MLP has no submodule 'nope.head'"),
    (MLP(), dict(layer=3), r"layer must be an nn.Module or a dotted name"),
    (torchvision.models.resnet18(weights=None, num_classes=5), dict(num_classes=7),
     r"fc outputs 5 features, not the 7 classes"),
    (torchvision.models.squeezenet1_0(weights=None, num_classes=5), {}, r"classifier -> Sequential.*pass layer="),
])
def test_classifier_of_refuses_with_what_it_tried(model, kwargs, message):
    with pytest.raises(ValueError, match=message):
        pw.classifier_of(model, **kwargs)


def test_a_get_classifier_that_is_not_linear_is_refused():
    class Headless(TimmLike):
        def get_classifier(self):
            return nn.Identity()  # timm's models with num_classes=0
    with pytest.raises(ValueError, match=r"Headless.get_classifier\(\) is a Identity, not an nn.Linear"):
        pw.classifier_of(Headless())


def test_a_classifier_on_token_sequences_is_refused():
    class Tokens(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(5, 3)

        def forward(self, x):
            return self.head(x.unsqueeze(1).repeat(1, 2, 1))
    with pytest.raises(ValueError, match=r"classifier head gets input of shape \(2, 2, 5\), not \(batch, features\)"):
        pw.collect_penultimate(Tokens(), loader_of(torch.randn(2, 5), [0, 1], batch_size=2))


def test_several_torchvision_names_are_ambiguous():
    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)
            self.head = nn.Linear(4, 3)
    with pytest.raises(ValueError, match=r"several final-classifier candidates: fc, head; pass layer="):
        pw.classifier_of(Two())


def test_collect_refuses_a_layer_that_is_not_the_final_classifier():
    mlp = MLP()
    loader = loader_of(torch.randn(4, 5), [0, 1, 2, 3], batch_size=2)
    with pytest.raises(ValueError, match=r"classifier layers.2 outputs 6 values but the model outputs 4"):
        pw.collect_penultimate(mlp, loader, layer="layers.2")
    with pytest.raises(ValueError, match=r"module= is a ReLU"):
        pw.collect_penultimate(mlp, loader, module=mlp.layers[1])

    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(5, 5)

        def forward(self, x):
            return self.fc(self.fc(x))
    with pytest.raises(ValueError, match=r"classifier fc ran 2 times in one forward pass"):
        pw.collect_penultimate(Twice(), loader)
    with pytest.raises(ValueError, match=r"must yield \(inputs, labels, indices\)"):
        pw.collect_penultimate(mlp, DataLoader(TensorDataset(torch.randn(4, 5), torch.zeros(4)), batch_size=2))


def test_a_single_dump_refuses_a_loader_that_drops_samples(tmp_path):
    mlp = MLP()
    result = pw.collect_penultimate(mlp, loader_of(torch.randn(5, 5), [0, 1, 2, 3, 0], batch_size=2, drop_last=True))
    assert result["sample_count"] == 5 and result["features"].shape[0] == 4
    weight, bias = pw.classifier_weights(mlp)
    with pytest.raises(ValueError, match=r"splits/val: 4 distinct samples written but sample_count is 5"):
        pw.write_dump(tmp_path / "d.h5", attributes=dict(model="mlp", role="teacher", dataset="x", ls_alpha=0.0),
                      names=list("abcd"), weight=weight, bias=bias, splits={"val": result})
    assert not (tmp_path / "d.h5").exists()


@pytest.mark.parametrize("size, world, shuffle, drop_last", [
    (n, k, s, d) for n, k, s, d in itertools.product((1, 7, 12, 13), (2, 3), (False, True), (False, True))])
def test_padding_is_dropped_exactly_as_torchs_sampler_pads(size, world, shuffle, drop_last):
    """Every rank's rows together are the single-process rows, each sample once; with
    drop_last=True on a size the world does not divide, every rank refuses."""
    torch.manual_seed(0)
    mlp = MLP().eval()
    x = torch.randn(size, 5)
    labels = torch.arange(size) % 4
    single = pw.collect_penultimate(mlp, loader_of(x, labels, batch_size=4))
    dataset = pw.IndexedDataset(TensorDataset(x, labels))
    parts = []
    for rank in range(world):
        sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=shuffle, drop_last=drop_last, seed=3)
        loader = DataLoader(dataset, batch_size=3, sampler=sampler)
        if drop_last and size % world:
            with pytest.raises(ValueError, match=r"DistributedSampler\(drop_last=True\) leaves"):
                pw.collect_penultimate(mlp, loader)
            return
        part = pw.collect_penultimate(mlp, loader)
        assert part["sample_count"] == size
        # torch's own list for this rank: padding is what lies at positions >= size.
        mine = list(iter(sampler))
        positions = [rank + j * world for j in range(len(mine))]
        assert part["sample_index"].tolist() == [i for i, p in zip(mine, positions) if p < size]
        parts.append(part)
    index = np.concatenate([p["sample_index"] for p in parts])
    assert sorted(index.tolist()) == list(range(size))
    order = np.argsort(index)
    np.testing.assert_array_equal(np.concatenate([p["labels"] for p in parts])[order], single["labels"])
    # Not bitwise: a batch of one row takes another matrix kernel than a batch of several.
    for name in ("features", "logits"):
        np.testing.assert_allclose(np.concatenate([p[name] for p in parts])[order], single[name], rtol=1e-5, atol=1e-6)


def test_collect_refuses_a_batch_level_drop_last_under_a_distributed_sampler():
    dataset = pw.IndexedDataset(TensorDataset(torch.randn(9, 5), torch.zeros(9, dtype=torch.long)))
    sampler = DistributedSampler(dataset, num_replicas=2, rank=0, shuffle=False)
    loader = DataLoader(dataset, batch_size=2, sampler=sampler, drop_last=True)
    with pytest.raises(ValueError, match=r"yielded 4 rows but its DistributedSampler lists 5"):
        pw.collect_penultimate(MLP(), loader)
