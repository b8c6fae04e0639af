import Foundation
import Plotting
import Reporting
import TensorCore
import Training
import Vision

extension ResNetArchitecture: LibraryValue {}
extension ResNet: LibraryValue {}
extension ImageClass: LibraryValue {}
extension SuggestionFunction: LibraryValue {}
extension ClassificationInterpretation: LibraryValue {}
extension ModelProfile: LibraryValue {}
extension RegexLabeller: LibraryValue {}
extension ResNetArchitecture.Block: LibraryValue {
    /// `ResNetArchitecture.Block`, as a cell writes the type.
    public static var cellType: CellType { .named("ResNetArchitecture.Block") }
}
extension ConfusedPair: LibraryValue, CellDisplayable {
    /// fastai's tuple: `('3', '5', 4)`.
    public var cellOutput: CellOutput { .value(description) }
}
extension ImageBlock: LibraryValue {}
extension PointBlock: LibraryValue {}
extension Resize: LibraryValue {}
extension RandomResizedCrop: LibraryValue {}
extension Normalize: LibraryValue {}
extension IntToFloatTensor: LibraryValue {}
extension AffineAugment: LibraryValue {}
extension LightingAugment: LibraryValue {}

extension Image: LibraryValue, CellDisplayable {
    /// The picture, as a notebook shows a PIL image.
    public var cellOutput: CellOutput {
        guard let png = try? pngData() else { return .value(description) }
        return .image(PNGImage(bytes: png, width: width, height: height, alt: description))
    }
}

/// `imagenetStats` and friends: per-channel means and standard deviations.
struct ImageStatsValue: LibraryValue {
    static var cellType: CellType { .named("ImageStats") }
    let stats: ImageStats
}

extension Registry {
    /// Binds vision: the image data sets, images, transforms, ResNets, `cnnLearner`, and what a
    /// trained model got right and wrong.
    public mutating func bindVision() {
        bindImages()
        bindVisionModels()
    }

    /// What a trained vision model got right and wrong.
    private mutating func bindInterpretation() {
        type(
            ClassificationInterpretation.self,
            doc: "Per-item losses, the confusion matrix and the top losses.")
        type(ConfusedPair.self, doc: "(actual, predicted, count) from mostConfused.")
        bind(
            "static ClassificationInterpretation.fromLearner(_ learn: Learner, dsIdx: Int = 1)",
            doc: "Predictions and per-item losses of a learner's validation set."
        ) { (context: StepContext, learn: AnyLearner, dsIdx: Int) in
            guard dsIdx == 0 || dsIdx == 1 else {
                throw StepError("dsIdx must be 0 (training) or 1 (validation)")
            }
            context.progress("predicting")
            return try ClassificationInterpretation.fromLearner(learn, dsIdx: dsIdx)
        }
        bind("ClassificationInterpretation.confusionMatrix()", doc: "Counts, actual × predicted.") {
            (interp: ClassificationInterpretation) in interp.confusionMatrix()
        }
        bind(
            "ClassificationInterpretation.mostConfused(minVal: Int = 1)",
            doc: "The (actual, predicted) pairs mixed up most often, at least minVal times."
        ) { (interp: ClassificationInterpretation, minVal: Int) in interp.mostConfused(minVal: minVal) }
        bind(
            "ClassificationInterpretation.plotConfusionMatrix(normalize: Bool = false, "
                + "figsize: (Double, Double)? = nil, dpi: Double = 100)",
            doc: "The confusion matrix as a heat map (figsize in inches, as fastai's)."
        ) {
            (
                interp: ClassificationInterpretation, normalize: Bool, figsize: CellTuple<Double, Double>?,
                dpi: Double
            ) in
            try interp.plotConfusionMatrix(normalize: normalize, figsize: figsize.map(\.elements), dpi: dpi)
        }
        bind(
            "ClassificationInterpretation.plotTopLosses(_ k: Int, largest: Bool = true, nrows: Int? = nil, "
                + "ncols: Int? = nil, figsize: (Double, Double)? = nil, dpi: Double = 100)",
            doc: "The k items with the largest losses: prediction, actual, loss, probability."
        ) {
            (
                interp: ClassificationInterpretation, k: Int, largest: Bool, nrows: Int?, ncols: Int?,
                figsize: CellTuple<Double, Double>?, dpi: Double
            ) in
            guard k > 0 else { throw StepError("plotTopLosses needs k > 0") }
            return try interp.plotTopLosses(
                k, largest: largest, nrows: nrows, ncols: ncols, figsize: figsize.map(\.elements), dpi: dpi)
        }
        bind(
            "Learner.showResults(dsIdx: Int = 1, maxN: Int = 9, nrows: Int? = nil, ncols: Int? = nil, "
                + "figsize: (Double, Double)? = nil, dpi: Double = 100)",
            doc: "Validation images with their predictions (and targets) drawn over them."
        ) {
            (
                context: StepContext, learn: AnyLearner, dsIdx: Int, maxN: Int, nrows: Int?, ncols: Int?,
                figsize: CellTuple<Double, Double>?, dpi: Double
            ) in
            guard maxN > 0 else { throw StepError("maxN must be positive") }
            context.progress("predicting")
            return try learn.showResults(
                dsIdx: dsIdx, maxN: maxN, nrows: nrows, ncols: ncols, figsize: figsize.map(\.elements),
                dpi: dpi)
        }
    }

    private mutating func bindImages() {
        type(ImageClass.self, doc: "The kind of image an ImageBlock makes: .rgb or .grey.")
        type(Image.self, doc: "A decoded picture (grey or RGB, 8 or 16 bits).")
        type(ImageStatsValue.self, doc: "Per-channel means and standard deviations, for Normalize.")
        for (swiftType, doc) in [
            (Resize.self as any CellValue.Type, "Resizes each item to a size (crop, pad or squish)."),
            (
                RandomResizedCrop.self,
                "A random crop of a random scale and ratio, resized (validation: centre)."
            ),
        ] {
            type(swiftType.cellType.ownerName, supertypes: ["ItemTransform"], doc: doc)
        }
        for (swiftType, doc) in [
            (Normalize.self as any CellValue.Type, "(x − mean) / std per channel."),
            (IntToFloatTensor.self, "Bytes 0…255 to floats 0…1."),
            (AffineAugment.self, "Random flips, rotations, zooms and warps of a batch."),
            (LightingAugment.self, "Random brightness and contrast of a batch."),
        ] {
            type(swiftType.cellType.ownerName, supertypes: ["BatchTransform"], doc: doc)
        }
        for (name, source) in [
            ("digits", DataSource.digits), ("fashionMNIST", .fashionMNIST), ("multiLabel", .multiLabel),
            ("headPose", .headPose), ("digitPets", .digitPets),
        ] {
            constant("static DataSource.\(name): DataSource", doc: "The \(source.name) images (khru data).") {
                source
            }
        }
        bind(
            "getImageFiles(_ path: Path, recurse: Bool = true, folders: [String]? = nil)",
            doc: "The image files under a folder, sorted (fastai's get_image_files)."
        ) { (path: Path, recurse: Bool, folders: [String]?) in
            try getImageFiles(path, recurse: recurse, folders: folders)
        }
        bind("parentLabel(_ path: Path)", doc: "The name of the folder holding path.") { (path: Path) in
            parentLabel(path)
        }
        type(
            RegexLabeller.self, doc: "Labels by a regular expression's first group (fastai's RegexLabeller).")
        bind(
            "RegexLabeller(_ pattern: String, match: Bool = false)",
            doc: "A labeller by pattern's first group: RegexLabeller(#\"(.+)_\\d+.jpg$\"#)."
        ) { (pattern: String, match: Bool) in try RegexLabeller(pattern, match: match) }
        bind(
            "RegexLabeller(_ regex: Regex, match: Bool = false)",
            doc: "A labeller by a regex literal's first group: RegexLabeller(#/(.+)_\\d+.jpg$/#)."
        ) { (regex: CellRegex, match: Bool) in RegexLabeller(regex.regex, match: match) }
        bind("RegexLabeller.callAsFunction(_ text: String)", doc: "The label of text.") {
            (labeller: RegexLabeller, text: String) in try labeller(text)
        }
        bind("RegexLabeller.callAsFunction(_ path: Path)", doc: "The label of a path's full string.") {
            (labeller: RegexLabeller, path: Path) in try labeller(path)
        }
        bind(
            "usingAttr(_ labeller: RegexLabeller, _ attribute: (Path) -> String) -> (Path) -> String",
            doc: "The labeller applied to an attribute of each path: usingAttr(RegexLabeller(pat), \\.name)."
        ) { (labeller: RegexLabeller, attribute: CellFunction<Path, String>) in
            // An adapter: the library's usingAttr returns a Swift closure; a cell holds a function value.
            CellFunction<Path, String>(
                function: CellFunctionValue(type: .function([Path.cellType], .string), arity: 1) {
                    arguments in
                    .string(try labeller(try attribute(try Path.from(arguments[0]))))
                })
        }
        bind("loadImage(_ path: Path)", doc: "Reads a PNG or JPEG file.") { (path: Path) in
            try loadImage(path)
        }
        property("Image.width: Int", doc: "Width in pixels.") { (image: Image) in image.width }
        property("Image.shape: [Int]", doc: "[height, width], as fastai's PILImage.shape.") {
            (image: Image) in
            image.shape
        }
        property("Image.height: Int", doc: "Height in pixels.") { (image: Image) in image.height }
        type("PILImage", doc: "fastai's PILImage: PILImage.create(path) opens a picture.")
        bind("static PILImage.create(_ path: Path)", doc: "Reads a PNG or JPEG file (PILImage.create).") {
            (path: Path) in try PILImage.create(path)
        }
        bind(
            "Image.toThumb(_ height: Int, width: Int? = nil)",
            doc: "A copy that fits in height × width, aspect kept (fastai's to_thumb, PIL's thumbnail)."
        ) { (image: Image, height: Int, width: Int?) in try image.toThumb(height, width: width) }
        bind(
            "genfromtxt(_ path: Path, skipHeader: Int = 0, skipFooter: Int = 0)",
            doc: "Numbers of a text file."
        ) {
            (path: Path, skipHeader: Int, skipFooter: Int) in
            try genfromtxt(path, skipHeader: skipHeader, skipFooter: skipFooter)
        }
        constant("static ImageClass.rgb: ImageClass", doc: "Three channels.") { ImageClass.rgb }
        constant("static ImageClass.grey: ImageClass", doc: "One channel.") { ImageClass.grey }
        bind("ImageBlock(cls: ImageClass = .rgb)", doc: "Images of a class (rgb or grey), as tensors.") {
            (cls: ImageClass) in ImageBlock(cls: cls)
        }
        bind("PointBlock()", doc: "Points (x, y) in pixels, scaled to -1...1 for training.") { PointBlock() }

        bind("Resize(_ size: Int)", doc: "Resizes to size × size (centre crop).") { (size: Int) in
            guard size > 0 else { throw StepError("Resize needs a positive size") }
            return Resize(size)
        }
        bind(
            "RandomResizedCrop(_ size: Int, minScale: Double = 0.08)",
            doc: "A random crop of at least minScale of the area, resized to size × size."
        ) { (size: Int, minScale: Double) in
            guard size > 0, minScale > 0, minScale <= 1 else {
                throw StepError("RandomResizedCrop needs size > 0 and 0 < minScale <= 1")
            }
            return RandomResizedCrop(size, minScale: minScale)
        }
        bind(
            "augTransforms(size: Int? = nil, mult: Double = 1, doFlip: Bool = true, maxRotate: Double = 10, "
                + "maxZoom: Double = 1.1, maxLighting: Double = 0.2, maxWarp: Double = 0.2, minScale: Double = 1)",
            doc: "fastai's standard augmentations: flips, rotation, zoom, warp, lighting (and a resize)."
        ) {
            (
                size: Int?, mult: Double, doFlip: Bool, maxRotate: Double, maxZoom: Double,
                maxLighting: Double, maxWarp: Double, minScale: Double
            ) -> [Existential<BatchTransformTag>] in
            guard minScale > 0, minScale <= 1 else {
                throw StepError("minScale must be in (0, 1], not \(minScale)")
            }
            return augTransforms(
                size: size, mult: mult, doFlip: doFlip, maxRotate: maxRotate, maxZoom: maxZoom,
                maxLighting: maxLighting, maxWarp: maxWarp, minScale: minScale
            ).map { Existential(value: $0) }
        }
        bind(
            "augTransforms(size: (Int, Int), mult: Double = 1, doFlip: Bool = true, maxRotate: Double = 10, "
                + "maxZoom: Double = 1.1, maxLighting: Double = 0.2, maxWarp: Double = 0.2, minScale: Double = 1)",
            doc: "The standard augmentations, resizing to (height, width)."
        ) {
            (
                size: CellTuple<Int, Int>, mult: Double, doFlip: Bool, maxRotate: Double, maxZoom: Double,
                maxLighting: Double, maxWarp: Double, minScale: Double
            ) -> [Existential<BatchTransformTag>] in
            let (height, width) = size.elements
            guard height > 0, width > 0 else { throw StepError("augTransforms needs a positive size") }
            guard minScale > 0, minScale <= 1 else {
                throw StepError("minScale must be in (0, 1], not \(minScale)")
            }
            return augTransforms(
                size: (height, width), mult: mult, doFlip: doFlip, maxRotate: maxRotate, maxZoom: maxZoom,
                maxLighting: maxLighting, maxWarp: maxWarp, minScale: minScale
            ).map { Existential(value: $0) }
        }
        for (name, stats) in [
            ("imagenetStats", imagenetStats), ("fashionMNISTStats", fashionMNISTStats),
            ("mnistStats", mnistStats),
        ] {
            constant("\(name): ImageStats", doc: "Means and standard deviations per channel.") {
                ImageStatsValue(stats: stats)
            }
        }
        bind(
            "static Normalize.fromStats(_ stats: ImageStats)", doc: "Normalize with a data set's statistics."
        ) {
            (stats: ImageStatsValue) in Normalize.fromStats(stats.stats)
        }
    }

    private mutating func bindVisionModels() {
        type(
            ResNetArchitecture.self,
            doc: "A ResNet: block kind, layers, width (resnet18, resnet34, resnet50).")
        type(
            SuggestionFunction.self, doc: "How lrFind picks a learning rate (valley, minimum, steep, slide).")
        type(
            ModelProfile.self,
            doc: "What an architecture costs: parameters, multiply-adds, activations; a step's time.")
        for (name, arch) in [("resnet18", resnet18), ("resnet34", resnet34), ("resnet50", resnet50)] {
            constant("\(name): ResNetArchitecture", doc: "torchvision's \(name) at the course's width.") {
                arch
            }
        }
        property("ResNetArchitecture.name: String", doc: "resnet18, …") { (a: ResNetArchitecture) in a.name }
        bindFullSizeResNets()
        type(
            ResNetArchitecture.Block.self,
            doc: "A ResNet's block: .basic (two 3×3) or .bottleneck (1×1, 3×3, 1×1).")
        constant(
            "static ResNetArchitecture.Block.basic: ResNetArchitecture.Block", doc: "Two 3×3 convolutions."
        ) {
            ResNetArchitecture.Block.basic
        }
        constant(
            "static ResNetArchitecture.Block.bottleneck: ResNetArchitecture.Block",
            doc: "1×1 down, 3×3, 1×1 up (four times wider out)."
        ) { ResNetArchitecture.Block.bottleneck }
        bind(
            "ResNetArchitecture(name: String, block: ResNetArchitecture.Block, layers: [Int])",
            doc: "A ResNet of blocks per stage (torchvision's resnet101: .bottleneck, [3, 4, 23, 3])."
        ) { (name: String, block: ResNetArchitecture.Block, layers: [Int]) in
            guard layers.count == 4, layers.allSatisfy({ $0 > 0 && $0 <= 64 }) else {
                throw StepError("a ResNet has four stages of 1 to 64 blocks each")
            }
            return ResNetArchitecture(name: name, block: block, layers: layers)
        }
        bind(
            "ResNetArchitecture.profile(batchSize: Int = 64, inputSize: Int = ResNetArchitecture.courseInputSize, "
                + "inChannels: Int = 3, nOut: Int = 10, steps: Int = 3)",
            doc:
                "Counted: parameters, multiply-adds, activations; measured: step memory and seconds."
        ) {
            (
                context: StepContext, arch: ResNetArchitecture, bs: Int, size: Int, channels: Int, nOut: Int,
                steps: Int
            ) in
            guard bs > 0, bs <= 512, channels > 0, nOut > 0, steps > 0 else {
                throw StepError("profile needs positive sizes (batchSize at most 512) and steps")
            }
            context.progress("profiling \(arch.name)")
            return try arch.profile(
                batchSize: bs, inputSize: size, inChannels: channels, nOut: nOut, steps: steps)
        }
        constant("static ResNetArchitecture.courseInputSize: Int", doc: "The course's input side (64).") {
            ResNetArchitecture.courseInputSize
        }
        property("ModelProfile.parameterCount: Int", doc: "Parameters of body and head.") {
            (p: ModelProfile) in
            p.parameterCount
        }
        property("ModelProfile.peakStepBytes: Int", doc: "Tensor bytes a training step allocates.") {
            (p: ModelProfile) in p.peakStepBytes
        }
        property(
            "ModelProfile.multiplyAdds: Int",
            doc: "Multiply-adds of one image's forward pass, counted: the same on every machine."
        ) { (p: ModelProfile) in p.multiplyAdds }
        property(
            "ModelProfile.activationBytes: Int",
            doc: "Bytes of the layers' outputs for one image (kept for backward), counted."
        ) { (p: ModelProfile) in p.activationBytes }
        property("ModelProfile.secondsPerStep: Double", doc: "Seconds of one training step, measured here.") {
            (p: ModelProfile) in p.secondsPerStep
        }
        bind("ModelProfile.secondsPerEpoch(items: Int)", doc: "Seconds for an epoch of items.") {
            (p: ModelProfile, items: Int) in p.secondsPerEpoch(items: items)
        }
        bind(
            "ResNetArchitecture.parameterCount(inChannels: Int = 3, nOut: Int)",
            doc: "Parameters of body and fastai head."
        ) { (arch: ResNetArchitecture, inChannels: Int, nOut: Int) in
            guard inChannels > 0, nOut > 0 else { throw StepError("channels and nOut must be positive") }
            return arch.parameterCount(inChannels: inChannels, nOut: nOut)
        }
        bind(
            "cnnLearner(_ dls: DataLoaders, _ arch: ResNetArchitecture, metrics: Metric..., "
                + "yRange: ClosedRange<Double>? = nil, pretrained: Bool = true, weights: Path? = nil, "
                + "lossFunc: LossFunction? = nil, nOut: Int? = nil, ps: Double = 0.5, lr: Double = 1e-3, "
                + "wd: Double? = nil)",
            doc: "A learner for a CNN: the ResNet body (pretrained and frozen by default) and fastai's head."
        ) {
            (
                dls: DataLoaders, arch: ResNetArchitecture, metrics: [Metric], yRange: ClosedRange<Double>?,
                pretrained: Bool, weights: Path?, loss: AnyLoss?, nOut: Int?, ps: Double, lr: Double,
                wd: Double?
            ) in
            let learner = try cnnLearner(
                dls, arch, yRange: yRange, pretrained: pretrained, weights: weights, lossFunc: loss?.loss,
                nOut: nOut, ps: ps, lr: lr, wd: wd)
            learner.metrics = metrics
            return learner
        }
        bind(
            "cnnLearner(_ dls: DataLoaders, _ arch: ResNetArchitecture, metrics: Metric..., "
                + "yRange: (Double, Double), pretrained: Bool = true, weights: Path? = nil, "
                + "lossFunc: LossFunction? = nil, nOut: Int? = nil, ps: Double = 0.5, lr: Double = 1e-3, "
                + "wd: Double? = nil)",
            doc:
                "A learner for a CNN whose targets lie in yRange, given as a pair (fastai's y_range=(-1, 1))."
        ) {
            (
                dls: DataLoaders, arch: ResNetArchitecture, metrics: [Metric],
                yRange: CellTuple<Double, Double>,
                pretrained: Bool, weights: Path?, loss: AnyLoss?, nOut: Int?, ps: Double, lr: Double,
                wd: Double?
            ) in
            let learner = try cnnLearner(
                dls, arch, yRange: yRange.elements, pretrained: pretrained, weights: weights,
                lossFunc: loss?.loss, nOut: nOut, ps: ps, lr: lr, wd: wd)
            learner.metrics = metrics
            return learner
        }
        bindInterpretation()
        for (name, function) in [
            ("valley", SuggestionFunction.valley), ("minimum", .minimum), ("steep", .steep),
            ("slide", .slide),
        ] {
            constant("static SuggestionFunction.\(name): SuggestionFunction", doc: "lrFind's \(name) rule.") {
                function
            }
        }
    }

    /// torchvision's full-size ResNets and weight files: `resnet34(width: 64)`, `.model()`, `loadWeights`.
    private mutating func bindFullSizeResNets() {
        type(ResNet.self, supertypes: ["Layer"], doc: "A whole ResNet named as torchvision's (conv1 … fc).")
        bind(
            "ResNetArchitecture.callAsFunction(width: Int)",
            doc: "The architecture at another width: resnet34(width: 64) is torchvision's."
        ) { (arch: ResNetArchitecture, width: Int) in
            guard width >= 1, width <= 256 else { throw StepError("a ResNet's width must be in 1...256") }
            return arch(width: width)
        }
        property("ResNetArchitecture.width: Int", doc: "Channels of the first stage (64 in torchvision).") {
            (a: ResNetArchitecture) in a.width
        }
        property(
            "ResNetArchitecture.hasPretrainedWeights: Bool",
            doc: "Whether cnnLearner finds this architecture's pretrained weights on this machine."
        ) { (a: ResNetArchitecture) in a.hasPretrainedWeights }
        bind(
            "ResNetArchitecture.model(nOut: Int = 1000, inChannels: Int = 3)",
            doc: "The whole network as torchvision builds it (body, average pooling, fc)."
        ) { (arch: ResNetArchitecture, nOut: Int, inChannels: Int) in
            guard nOut >= 1, nOut <= 100_000, inChannels >= 1, inChannels <= 64 else {
                throw StepError("model needs nOut in 1...100000 and inChannels in 1...64")
            }
            return try arch.model(nOut: nOut, inChannels: inChannels)
        }
        property("ResNet.body: Sequential", doc: "The layers before the pooling (fastai's body).") {
            (model: ResNet) in model.body
        }
        bind(
            "loadWeights(into model: Layer, from path: Path)",
            doc: "Loads a safetensors or PyTorch .pth state dict into a model (torchvision names map)."
        ) { (model: AnyLayer, path: Path) in
            try loadWeights(into: model.layer, from: path)
        }
    }
}
