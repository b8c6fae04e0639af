"""One training step of the course's ResNet-18 (width 16, torchvision's BasicBlock [2,2,2,2], fastai's
create_head), batch 64 of 3x64x64 random images, 10 classes, AdamW as fastai's Adam (twin of
`khru-bench resnet18`)."""
from common import best_of, emit, parse_args, pin_threads

args = parse_args(__doc__)
torch = pin_threads(args.threads)
nn = torch.nn
torch.manual_seed(0)
WIDTH, SIZE, STEPS = 16, 64, 10


class BasicBlock(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != planes:
            self.downsample = nn.Sequential(nn.Conv2d(cin, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


class AdaptiveConcatPool2d(nn.Module):
    def forward(self, x):
        return torch.cat([nn.functional.adaptive_max_pool2d(x, 1), nn.functional.adaptive_avg_pool2d(x, 1)], 1)


def body():
    layers = [nn.Conv2d(3, WIDTH, 7, 2, 3, bias=False), nn.BatchNorm2d(WIDTH), nn.ReLU(inplace=True),
              nn.MaxPool2d(3, 2, 1)]
    cin = WIDTH
    for stage, count in enumerate([2, 2, 2, 2]):
        planes = WIDTH << stage
        blocks = []
        for index in range(count):
            blocks.append(BasicBlock(cin, planes, 2 if stage > 0 and index == 0 else 1))
            cin = planes
        layers.append(nn.Sequential(*blocks))
    return nn.Sequential(*layers)


nf = 8 * WIDTH
head = nn.Sequential(AdaptiveConcatPool2d(), nn.Flatten(), nn.BatchNorm1d(2 * nf), nn.Dropout(0.25),
                     nn.Linear(2 * nf, 512, bias=False), nn.ReLU(inplace=True), nn.BatchNorm1d(512),
                     nn.Dropout(0.5), nn.Linear(512, 10, bias=False))
model = nn.Sequential(body(), head).train()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.99), eps=1e-5, weight_decay=0.01)
x = torch.randn(64, 3, SIZE, SIZE)
y = torch.arange(64) % 10
loss_fn = nn.CrossEntropyLoss()
last = [0.0]


def step():
    loss = loss_fn(model(x), y)
    last[0] = loss.item()
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)


for _ in range(3):
    step()


def run():
    for _ in range(STEPS):
        step()


best, _ = best_of(args.reps, run)
emit("resnet18", "course-w16-64px-bs64", args.threads, seconds=best / STEPS, loss=last[0])
