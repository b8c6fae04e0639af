"""Writes the weight-file fixtures of Khru's `WeightsTests`: small models PyTorch saved, their outputs, and
files a loader must refuse.

    /work/main/bench/.venv/bin/python bench/python/weight_fixtures.py [OUT_DIR]
    /work/main/bench/.venv/bin/python bench/python/weight_fixtures.py --full-size DIR

The second form writes full-size torchvision ResNet-34 and ResNet-50 files (85 and 100 MB, never committed)
for the opt-in `FullSizeWeightsTests` (KHRU_FULLSIZE_WEIGHTS=DIR swift test --filter FullSizeWeightsTests):
torchvision's own classes at their own widths, 1000 classes, input [1, 3, 64, 64], PyTorch's float32
output and its float64 output (`-out64.bin`), since at this depth float32 itself is only good to ~1e-4.

OUT_DIR defaults to Tests/VisionModelTests/Fixtures/weights. Everything is seeded, so a rerun writes the same
numbers (torch.save's zip is byte-stable for the same tensors). Files:

- seq.pth, seq.safetensors: a Sequential(Conv2d(3, 4, 3, padding=1), BatchNorm2d(4), ReLU(),
  AdaptiveAvgPool2d(1), Flatten(), Linear(4, 5)) in eval mode, with trained-looking batch-norm statistics.
  In seq.pth the Linear weight is saved as a transposed (non-contiguous) view and its bias as a view at
  storage offset 3 of a longer storage, so the reader must honour strides and offsets.
  seq-input.bin / seq-output.bin: little-endian float32 input [2, 3, 6, 6] and PyTorch's output [2, 5].
- resnet18-w8.pth: torchvision's ResNet-18 (BasicBlock, [2, 2, 2, 2]) at width 8 (stages of 8, 16, 32, 64
  channels) and 10 classes, built from torchvision's own resnet.py classes, weights rounded to float16 and
  saved as float16 (half the bytes; PyTorch computes in float32 with the same rounded values), in eval mode.
  resnet18-w8-input.bin / resnet18-w8-output.bin: input [2, 3, 32, 32] and PyTorch's output [2, 10].
- resnet18-w8-keys.json: the state dict's keys, shapes and dtypes, in order.
- resnet50-w2.safetensors: torchvision's ResNet-50 (Bottleneck, [3, 4, 6, 3]) at width 2 and 3 classes, float16
  as above, with resnet50-w2-input.bin [1, 3, 32, 32] and resnet50-w2-output.bin [1, 3].
- dtypes.safetensors, dtypes.pth, dtypes.json: one small tensor each of float64, float16, bfloat16 (and
  float32), and the float32 values they stand for.
- evil-system.pth: a torch.save'd dict whose pickle calls os.system (posix.system) through __reduce__;
  evil-eval.pth: one that calls builtins.eval. Neither is ever loaded here.
- truncated.safetensors (the first 100 bytes of seq.safetensors), oversize-header.safetensors (a header
  length of 2^40 in an 8-byte file), overlapping.safetensors (two tensors sharing bytes),
  unknown-dtype.safetensors (dtype "F8_E4M3X"), shape-mismatch.safetensors (shape [3] over 8 bytes).
"""
import collections
import importlib.util
import json
import os
import struct
import sys

import torch
from torch import nn


def torchvision_resnet_namespace():
    """torchvision's BasicBlock, Bottleneck and ResNet classes, from its installed resnet.py.

    The bench venv's torchvision wheel does not import with the CPU torch (its C ops are missing), so the
    classes are taken from the source file itself: everything from `def conv3x3` up to `def _resnet`.
    """
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("torchvision is not installed in this venv")
    path = os.path.join(list(spec.submodule_search_locations)[0], "models", "resnet.py")
    source = open(path, encoding="utf-8").read()
    start, end = source.index("def conv3x3"), source.index("def _resnet(")
    namespace = {"torch": torch, "nn": nn, "Tensor": torch.Tensor, "_log_api_usage_once": lambda _: None}
    exec("from typing import Any, Callable, Optional, Union, List, Type\n" + source[start:end], namespace)
    return namespace


def resnet_at_width(namespace, block, layers, width, num_classes):
    """torchvision's ResNet with every width scaled by width/64, the module names unchanged."""
    base = namespace["ResNet"]

    class NarrowResNet(base):
        def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
            if planes == 64:
                self.inplanes = width
            return super()._make_layer(block, planes * width // 64, blocks, stride, dilate)

    model = NarrowResNet(namespace[block], layers, num_classes=num_classes)
    # The stem and the classifier are made with torchvision's fixed 64 and 512·expansion: remake them.
    model.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
    model.bn1 = nn.BatchNorm2d(width)
    expansion = namespace[block].expansion
    model.fc = nn.Linear(width * 8 * expansion, num_classes)
    return model


def settle_batch_norms(model, inputs):
    """Gives every batch norm non-trivial affine parameters and running statistics measured on `inputs`."""
    generator = torch.Generator().manual_seed(5)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            with torch.no_grad():
                module.weight.copy_(0.5 + torch.rand(module.weight.shape, generator=generator))
                module.bias.copy_(0.2 * torch.randn(module.bias.shape, generator=generator))
            module.momentum = None  # a cumulative average over the batches below
    model.train()
    with torch.no_grad():
        for batch in inputs:
            model(batch)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.momentum = 0.1
    model.eval()


SAFETENSORS_DTYPES = {
    torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64",
}


def safetensors_bytes(tensors, metadata=None):
    """The safetensors encoding of `tensors` (an ordered dict): u64 header length, JSON header, data."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    data = bytearray()
    for name, tensor in tensors.items():
        raw = tensor.detach().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes() if tensor.numel() else b""
        header[name] = {
            "dtype": SAFETENSORS_DTYPES[tensor.dtype], "shape": list(tensor.shape),
            "data_offsets": [len(data), len(data) + len(raw)],
        }
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + bytes(data)


def raw_header(header_dict, data):
    text = json.dumps(header_dict, separators=(",", ":")).encode()
    return struct.pack("<Q", len(text)) + text + data


def write(path, data):
    with open(path, "wb") as file:
        file.write(data)


def floats(tensor):
    return tensor.detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()


class System:
    """Unpickling this calls os.system (on Linux the pickle names posix.system)."""

    def __reduce__(self):
        return (os.system, ("echo khru-was-here > /tmp/khru-evil-pickle",))


class Eval:
    """Unpickling this calls builtins.eval."""

    def __reduce__(self):
        return (eval, ("__import__('os').system('echo khru-was-here')",))


def full_size(out):
    """torchvision's ResNet-34 and ResNet-50 as torchvision builds them, with their outputs."""
    os.makedirs(out, exist_ok=True)
    namespace = torchvision_resnet_namespace()
    torch.manual_seed(0)
    for name, block in [("resnet34", "BasicBlock"), ("resnet50", "Bottleneck")]:
        model = namespace["ResNet"](namespace[block], [3, 4, 6, 3])
        settle_batch_norms(model, [torch.randn(4, 3, 64, 64) for _ in range(2)])
        x = torch.randn(1, 3, 64, 64)
        with torch.no_grad():
            y = model(x)
        torch.save(model.state_dict(), os.path.join(out, f"{name}.pth"))
        write(os.path.join(out, f"{name}-in.bin"), floats(x))
        write(os.path.join(out, f"{name}-out.bin"), floats(y))
        with torch.no_grad():
            y64 = model.double()(x.double())
        write(os.path.join(out, f"{name}-out64.bin"), floats(y64))
        print(name, sum(p.numel() for p in model.parameters()), "parameters")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--full-size":
        return full_size(sys.argv[2])
    out = sys.argv[1] if len(sys.argv) > 1 else "Tests/VisionModelTests/Fixtures/weights"
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)

    # --- A small Sequential ------------------------------------------------------------------------------
    seq = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(4, 5))
    settle_batch_norms(seq, [torch.randn(8, 3, 6, 6) for _ in range(3)])
    x = torch.randn(2, 3, 6, 6)
    with torch.no_grad():
        y = seq(x)
    state = seq.state_dict()
    write(os.path.join(out, "seq.safetensors"), safetensors_bytes(state, {"format": "pt"}))
    strided = collections.OrderedDict(state)
    strided["5.weight"] = state["5.weight"].t().contiguous().t()
    assert not strided["5.weight"].is_contiguous()
    strided["5.bias"] = torch.cat([torch.tensor([9.0, 9.0, 9.0]), state["5.bias"]])[3:]
    assert strided["5.bias"].storage_offset() == 3
    torch.save(strided, os.path.join(out, "seq.pth"))
    write(os.path.join(out, "seq-input.bin"), floats(x))
    write(os.path.join(out, "seq-output.bin"), floats(y))

    # --- torchvision's ResNet-18 at width 8 --------------------------------------------------------------
    namespace = torchvision_resnet_namespace()
    torch.manual_seed(1)
    resnet = resnet_at_width(namespace, "BasicBlock", [2, 2, 2, 2], width=8, num_classes=10)
    settle_batch_norms(resnet, [torch.randn(8, 3, 32, 32) for _ in range(3)])
    with torch.no_grad():  # every weight and statistic exactly a float16, so the file holds what ran
        for tensor in list(resnet.parameters()) + list(resnet.buffers()):
            if tensor.is_floating_point():
                tensor.copy_(tensor.half().float())
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        y = resnet(x)
    state = resnet.state_dict()
    halved = collections.OrderedDict(
        (name, tensor.half() if tensor.is_floating_point() else tensor) for name, tensor in state.items())
    halved._metadata = state._metadata  # as torch.save(model.state_dict()) writes it (a BUILD)
    torch.save(halved, os.path.join(out, "resnet18-w8.pth"))
    write(os.path.join(out, "resnet18-w8-input.bin"), floats(x))
    write(os.path.join(out, "resnet18-w8-output.bin"), floats(y))
    keys = [{"name": k, "shape": list(v.shape), "dtype": str(v.dtype)} for k, v in state.items()]
    with open(os.path.join(out, "resnet18-w8-keys.json"), "w") as file:
        json.dump(keys, file, indent=0)
        file.write("\n")

    # --- torchvision's ResNet-50 (Bottleneck v1.5, stride on the 3×3) at width 2 ---------------------------
    torch.manual_seed(2)
    resnet50 = resnet_at_width(namespace, "Bottleneck", [3, 4, 6, 3], width=2, num_classes=3)
    settle_batch_norms(resnet50, [torch.randn(8, 3, 32, 32) for _ in range(3)])
    with torch.no_grad():
        for tensor in list(resnet50.parameters()) + list(resnet50.buffers()):
            if tensor.is_floating_point():
                tensor.copy_(tensor.half().float())
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        y = resnet50(x)
    state = resnet50.state_dict()
    halved = collections.OrderedDict(
        (name, tensor.half() if tensor.is_floating_point() else tensor) for name, tensor in state.items())
    write(os.path.join(out, "resnet50-w2.safetensors"), safetensors_bytes(halved))
    write(os.path.join(out, "resnet50-w2-input.bin"), floats(x))
    write(os.path.join(out, "resnet50-w2-output.bin"), floats(y))

    # --- Other dtypes ------------------------------------------------------------------------------------
    values = torch.tensor([1.5, -0.25, 3.0e-3, 65504.0, -7.0, 0.1])
    mixed = collections.OrderedDict([
        ("f32", values.reshape(2, 3)), ("f64", values.double()), ("f16", values.half()),
        ("bf16", values.bfloat16().reshape(3, 2)),
    ])
    write(os.path.join(out, "dtypes.safetensors"), safetensors_bytes(mixed))
    torch.save(mixed, os.path.join(out, "dtypes.pth"))
    with open(os.path.join(out, "dtypes.json"), "w") as file:
        json.dump({k: {"shape": list(v.shape), "values": v.float().flatten().tolist()} for k, v in mixed.items()},
                  file, indent=1)
        file.write("\n")

    # --- Files to refuse ---------------------------------------------------------------------------------
    torch.save(collections.OrderedDict([("0.weight", torch.ones(2)), ("payload", System())]),
               os.path.join(out, "evil-system.pth"))
    torch.save({"payload": Eval()}, os.path.join(out, "evil-eval.pth"))
    good = open(os.path.join(out, "seq.safetensors"), "rb").read()
    write(os.path.join(out, "truncated.safetensors"), good[:100])
    write(os.path.join(out, "oversize-header.safetensors"), struct.pack("<Q", 1 << 40))
    write(os.path.join(out, "overlapping.safetensors"), raw_header({
        "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
        "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, bytes(12)))
    write(os.path.join(out, "unknown-dtype.safetensors"), raw_header({
        "a": {"dtype": "F8_E4M3X", "shape": [2], "data_offsets": [0, 2]}}, bytes(2)))
    write(os.path.join(out, "shape-mismatch.safetensors"), raw_header({
        "a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, bytes(8)))
    for name in sorted(os.listdir(out)):
        print(f"{os.path.getsize(os.path.join(out, name)):8d}  {name}")


if __name__ == "__main__":
    main()
