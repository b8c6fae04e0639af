// swift-tools-version:6.1
import PackageDescription

/// Numeric targets are optimized even in debug builds: `make test` builds once (debug, for
/// `@testable` imports) and still trains real models in seconds.
let optimized: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

/// Khru's kernels are compiled once per x86-64 instruction set, from one set of sources
/// (`Sources/KhruKernelSources`, symbolic links in each module's folder, since SwiftPM refuses one file in
/// two targets): `_KhruKernelsAVX512` for `skylake-avx512` and `_KhruKernelsAVX2` for `haswell`. TensorCore calls a module only after checking
/// the CPU's feature bits at run time (`_KhruCPU`), and falls back to OpenBLAS otherwise.
///
/// `-target-cpu` names an x86 CPU, so it is given only when the manifest itself is compiled for x86-64
/// (`#if arch` here tests the machine that builds; a build for another architecture, such as aarch64
/// Linux, compiles the same kernels as portable Swift SIMD that is never selected). Cross-compiling from
/// x86-64 to another architecture would pass the flag too: build natively there.
#if arch(x86_64)
    let avx512: [SwiftSetting] = [
        .unsafeFlags(["-O"], .when(configuration: .debug)), .unsafeFlags(["-target-cpu", "skylake-avx512"]),
    ]
    let avx2: [SwiftSetting] = [
        .unsafeFlags(["-O"], .when(configuration: .debug)), .unsafeFlags(["-target-cpu", "haswell"]),
    ]
#else
    let avx512 = optimized
    let avx2 = optimized
#endif

let package = Package(
    name: "Khru",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "khru", targets: ["khru"]),
        // The training library in one import (`import KhruAll`), like fastai's `vision.all`.
        .library(name: "KhruAll", targets: ["KhruAll"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swiftlang/swift-syntax", from: "603.0.1"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
        // `khru serve` only (the Serving target); no library target depends on it. Without the
        // swift-configuration trait, which Khru does not use.
        .package(
            url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1",
            traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // PyTorch `.pth` files are zip archives (the Vision target's weight loading).
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // MARK: - System libraries (module.modulemap + shim.h only)
        .systemLibrary(
            name: "CCmark", pkgConfig: "libcmark",
            providers: [.apt(["libcmark-dev"]), .brew(["cmark"])]),
        .systemLibrary(
            name: "COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
        .systemLibrary(
            name: "CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),
        .systemLibrary(
            name: "CFreeType", pkgConfig: "freetype2",
            providers: [.apt(["libfreetype-dev"]), .brew(["freetype"])]),
        .systemLibrary(
            name: "CTurboJPEG", pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"]), .brew(["jpeg-turbo"])]),

        // MARK: - The training library
        .target(name: "_KhruCPU"),
        .target(name: "_KhruKernels", swiftSettings: optimized),
        .target(name: "_KhruKernelsAVX512", dependencies: ["_KhruKernels"], swiftSettings: avx512),
        .target(name: "_KhruKernelsAVX2", dependencies: ["_KhruKernels"], swiftSettings: avx2),
        .target(
            name: "TensorCore",
            dependencies: [
                "COpenBLAS", "_KhruCPU", "_KhruKernels", "_KhruKernelsAVX512", "_KhruKernelsAVX2",
            ],
            swiftSettings: optimized),
        .target(
            name: "Training",
            dependencies: ["TensorCore", "Plotting", .product(name: "SwiftCSV", package: "SwiftCSV")],
            swiftSettings: optimized),
        .target(name: "Checksums", swiftSettings: optimized),
        .target(
            name: "Collab", dependencies: ["Checksums", "Training", "Plotting"], swiftSettings: optimized),
        .target(
            name: "Vision",
            dependencies: [
                "CPNG", "CTurboJPEG", "Checksums", "TensorCore", "Training", "Plotting",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: optimized),

        // fastai's archives and any URL: downloaded (URLSession), checked, resumed, unpacked; a classroom
        // mirror. Nothing else in the library needs the network.
        .target(name: "Downloads", dependencies: ["Checksums", "Training"], swiftSettings: optimized),

        .target(
            name: "KhruAll",
            dependencies: ["Collab", "Downloads", "Plotting", "TensorCore", "Training", "Vision"]),

        // MARK: - Pictures
        .target(
            name: "Plotting", dependencies: ["CPNG", "CFreeType", "Localization"], swiftSettings: optimized),
        // The languages Khru writes in and its words in each (a leaf: imports nothing).
        .target(name: "Localization"),

        // MARK: - Lessons, the runner and reports
        .target(name: "LessonSource", dependencies: ["CCmark", "Localization"]),
        .target(
            name: "Reporting",
            dependencies: [
                "Checksums", "LessonSource", "Localization",
                .product(name: "SwiftParser", package: "swift-syntax"),
                .product(name: "SwiftSyntax", package: "swift-syntax"),
            ]),
        .target(
            name: "LessonRunner",
            dependencies: [
                "LessonSource", "Localization", "Reporting", "Plotting", "TensorCore", "Training", "Collab",
                "Vision", "Downloads",
                .product(name: "SwiftOperators", package: "swift-syntax"),
                .product(name: "SwiftParser", package: "swift-syntax"),
                .product(name: "SwiftParserDiagnostics", package: "swift-syntax"),
                .product(name: "SwiftSyntax", package: "swift-syntax"),
            ]),
        // libFuzzer over parse + check + interpret + render; `make fuzz` builds it with -sanitize=fuzzer
        // -DFUZZING (an ordinary build makes a stub).
        .executableTarget(
            name: "khru-fuzz", dependencies: ["LessonRunner", "LessonSource", "Reporting", "TensorCore"],
            path: "Sources/KhruFuzz"),
        // MARK: - Workshop mode (`khru serve`): HTTP, live reload, file watching; behind the CLI only
        .target(
            name: "Serving",
            dependencies: [
                "Checksums", "LessonRunner", "LessonSource", "Reporting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .executableTarget(
            name: "khru",
            dependencies: [
                "LessonRunner", "TensorCore", "Serving",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // MARK: - Pretrained bodies and the transfer measurement (`make pretrain`, `make transfer`)
        .executableTarget(
            name: "khru-models", dependencies: ["TensorCore", "Training", "Vision"],
            path: "Sources/KhruModels", swiftSettings: optimized),

        // MARK: - Benchmarks (`make bench`; side by side with PyTorch, see bench/run)
        .executableTarget(
            name: "khru-bench",
            dependencies: [
                "TensorCore", "Training", "Collab", "Vision", "COpenBLAS", "LessonSource", "LessonRunner",
                "Reporting",
            ],
            path: "bench/Sources/khru-bench", swiftSettings: optimized),

        // MARK: - Tests
        .target(name: "_TestSupport", path: "Sources/_TestSupport"),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "_TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "_TestSupport"]),
        .testTarget(name: "CollabTests", dependencies: ["Collab", "Checksums", "_TestSupport"]),
        .testTarget(
            name: "VisionModelTests", dependencies: ["Vision", "_TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "ChecksumsTests", dependencies: ["Checksums"]),
        .testTarget(name: "DownloadsTests", dependencies: ["Downloads", "Training", "_TestSupport"]),
        .testTarget(
            name: "VisionTests",
            dependencies: ["Vision", "Training", "TensorCore", "Plotting", "_TestSupport"],
            exclude: ["Fixtures"], swiftSettings: optimized),
        .testTarget(
            name: "PlottingTests", dependencies: ["Plotting", "_TestSupport"],
            exclude: ["__Snapshots__"]),
        .testTarget(
            name: "LessonSourceTests", dependencies: ["LessonSource", "_TestSupport"],
            exclude: ["Fixtures", "__Snapshots__"]),
        .testTarget(
            name: "ReportingTests", dependencies: ["Reporting", "_TestSupport"],
            exclude: ["Fixtures", "__Snapshots__"]),
        .testTarget(
            name: "LessonRunnerTests",
            dependencies: ["LessonRunner", "Localization", "Training", "_TestSupport"],
            exclude: ["__Snapshots__"]),
        .testTarget(name: "KhruTests", dependencies: ["khru", "_TestSupport"], exclude: ["BadLessons"]),
        .testTarget(name: "ServingTests", dependencies: ["Serving", "_TestSupport"]),
        // Every cell of every shipped lesson, generated by `khru export-swift`: compiled against the library
        // and run, each lesson's displayed values compared with the interpreter's; `make test` checks the
        // file is current.
        .testTarget(
            name: "LessonCodeTests", dependencies: ["KhruAll", "LessonRunner"],
            swiftSettings: [.unsafeFlags(["-suppress-warnings"])]),
    ]
)
