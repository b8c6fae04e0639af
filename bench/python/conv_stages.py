"""Forward + backward of each convolution of the course's ResNet-18 stages, batch 64 (twin of
`khru-bench conv-stages`): no bias; the stem's input needs no gradient."""
from common import best_of, emit, parse_args, pin_threads

# name, in, out, size, kernel, stride, input gradient — the same list as ConvStagesBench.swift.
STAGES = [
    ("stem", 3, 16, 64, 7, 2, False),
    ("layer1", 16, 16, 16, 3, 1, True),
    ("layer2.0", 16, 32, 16, 3, 2, True),
    ("layer2.down", 16, 32, 16, 1, 2, True),
    ("layer2", 32, 32, 8, 3, 1, True),
    ("layer3", 64, 64, 4, 3, 1, True),
    ("layer4", 128, 128, 2, 3, 1, True),
    ("r50.expand", 128, 512, 2, 1, 1, True),
]

args = parse_args(__doc__)
torch = pin_threads(args.threads)
total = 0.0
total_flops = 0.0
for index, (name, cin, cout, size, kernel, stride, input_grad) in enumerate(STAGES):
    torch.manual_seed(index)
    padding = kernel // 2
    out = (size + 2 * padding - kernel) // stride + 1
    conv = torch.nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding, bias=False)
    x = torch.randn(64, cin, size, size, requires_grad=input_grad)
    upstream = torch.randn(64, cout, out, out)
    flops = 2.0 * 64 * cout * cin * kernel * kernel * out * out * (3 if input_grad else 2)

    def step():
        conv.zero_grad(set_to_none=True)
        x.grad = None
        conv(x).backward(upstream)

    for _ in range(3):
        step()
    iterations = max(3, int(2e10 / flops / 100))

    def run():
        for _ in range(iterations):
            step()

    best, _ = best_of(args.reps, run)
    per_pass = best / iterations
    total += per_pass
    total_flops += flops
    label = f"{name}:{cin}>{cout}-k{kernel}s{stride}-{size}px"
    emit("conv-stages", label, args.threads, seconds=per_pass, gflops=flops / per_pass / 1e9)
emit("conv-stages", "sum-of-stages", args.threads, seconds=total, gflops=total_flops / total / 1e9)
